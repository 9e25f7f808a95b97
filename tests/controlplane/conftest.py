"""Fixtures of the control-plane tests: downtime rows, probes that fail on demand, backup keys."""

from __future__ import annotations

import base64
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.cache import cache
from django.test import Client
from django.utils import timezone

from controlplane.models import Downtime
from controlplane.probes.registry import Probe, ProbeOutcome
from core.timezones import SAO_PAULO
from tenants.models import Tenant

BACKUP_KEY = base64.urlsafe_b64encode(bytes(range(32))).decode()


def sp(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SAO_PAULO)


@pytest.fixture
def public_client(db: None) -> Client:
    from django.conf import settings

    return Client(HTTP_HOST=settings.BASE_DOMAIN)


@pytest.fixture
def record_downtime(db: None) -> Callable[..., Downtime]:
    def make(
        component: str,
        start: datetime,
        end: datetime | None,
        *,
        cause: str = "falha",
        maintenance: bool = False,
        tenant: Tenant | None = None,
    ) -> Downtime:
        return Downtime.objects.create(
            component=component,
            started_at=start,
            ended_at=end,
            cause=cause,
            is_maintenance=maintenance,
            tenant=tenant,
        )

    return make


class Switch:
    """A component that fails while `broken` is set: the probe's target in the tests."""

    def __init__(self) -> None:
        self.broken = False
        self.calls = 0

    def check(self) -> ProbeOutcome:
        self.calls += 1
        if self.broken:
            raise ConnectionError("recusou a conexão")
        return ProbeOutcome.ok("respondeu")


@pytest.fixture
def switch() -> Switch:
    return Switch()


@pytest.fixture
def fake_probe(switch: Switch) -> Probe:
    return Probe(
        key="componente_teste", label="Componente de teste", components=("api",), check=switch.check
    )


@pytest.fixture
def minutes_ago() -> Callable[[float], datetime]:
    base = timezone.now().replace(microsecond=0)
    return lambda minutes: base - timedelta(minutes=minutes)


@pytest.fixture
def backup_settings(settings: Any, tmp_path: Path) -> Path:
    settings.BACKUP_ENCRYPTION_KEY = BACKUP_KEY
    settings.BACKUP_DIR = str(tmp_path / "backups")
    return tmp_path / "backups"


@pytest.fixture(autouse=True)
def _clean_cache() -> Iterator[None]:
    yield
    cache.delete("controlplane:probes:running")

"""Billing fixtures: a contract for "alfa", helpers to meter and close, and a loopback Stripe
(localstripe as a subprocess behind `StripeDouble`)."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
from collections.abc import Callable, Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from billing.models import Contract, Statement, UsageRecord
from billing.periods import period_add, period_bounds
from billing.services import usage_record
from billing.services.closing import period_close
from billing.services.contracts import ContractTerms, contract_save
from security.actors import Actor
from tenants.models import Tenant
from tests.billing.stripe_double import StripeDouble

SAO_PAULO = ZoneInfo("America/Sao_Paulo")
PROVIDER_CNPJ = "34028316000103"
TESTS = Actor.command("tests")


def utc(
    year: int, month: int, day: int, hour: int = 12, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=UTC)


def sp(year: int, month: int, day: int, hour: int = 12, minute: int = 0) -> datetime:
    """A moment given in São Paulo wall-clock time."""
    return datetime(year, month, day, hour, minute, tzinfo=SAO_PAULO)


@pytest.fixture(autouse=True)
def _provider(settings: Any) -> None:
    settings.BILLING_PROVIDER_NAME = "Nuvem Atende Serviços Digitais Ltda."
    settings.BILLING_PROVIDER_CNPJ = PROVIDER_CNPJ
    settings.BILLING_CLOSE_GRACE_HOURS = 3


def terms(**overrides: Any) -> ContractTerms:
    values: dict[str, Any] = {
        "reference": "Contrato nº 042/2026",
        "term_start": date(2026, 1, 1),
        "term_end": date(2027, 12, 31),
        "contracted_messages": 1_000_000,
        "storage_quota_bytes": 50 * 10**9,
        "invoicing": "statement_only",
        "overage_policy": "serve_and_report",
        "billing_email": "financeiro@alfa.gov.br",
    }
    values.update(overrides)
    return ContractTerms(**values)


MakeContract = Callable[..., Contract]


@pytest.fixture
def make_contract(db: None) -> MakeContract:
    def make(
        tenant: Tenant, *, session: str = "0.0457", template: str = "0.3521", **overrides: Any
    ) -> Contract:
        return contract_save(
            actor=TESTS,
            tenant=tenant,
            terms=terms(**overrides),
            session_price=session,
            template_price=template,
        )

    return make


@pytest.fixture
def contract_alfa(tenant_alfa: Tenant, make_contract: MakeContract) -> Contract:
    return make_contract(tenant_alfa)


Meter = Callable[..., UsageRecord | None]


@pytest.fixture
def meter() -> Meter:
    """Records one message with sensible defaults (an agent's outbound session message)."""

    def record(
        tenant: Tenant,
        key: str,
        when: datetime,
        *,
        kind: str = "session",
        direction: str = "outbound",
        origin: str = "agent",
        channel: str = "whatsapp",
        agent_id: int | None = 7,
        agent_name: str = "Ana Souza",
    ) -> UsageRecord | None:
        return usage_record(
            tenant=tenant,
            message_key=key,
            kind=kind,
            direction=direction,
            origin=origin,
            channel=channel,
            occurred_at=when,
            agent_id=agent_id,
            agent_name=agent_name,
        )

    return record


def after_end(period: date) -> datetime:
    """A moment when the period can be closed (end + grace + a minute)."""
    return period_bounds(period)[1] + timedelta(hours=3, minutes=1)


Close = Callable[..., Statement]


@pytest.fixture
def close() -> Close:
    """Closes every period of the tenant from its first open one through `period`."""

    def run(tenant: Tenant, period: date, actor: Actor = TESTS) -> Statement:
        last = Statement.objects.filter(tenant=tenant).order_by("-period").first()
        current = period_add(last.period, 1) if last else date(2026, 1, 1)
        statement: Statement | None = None
        while current <= period:
            statement = period_close(
                actor=actor, tenant=tenant, period=current, now=after_end(current)
            )
            current = period_add(current, 1)
        assert statement is not None
        return statement

    return run


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.fixture(scope="session")
def localstripe_url() -> Iterator[str]:
    """`localstripe --port <free> --from-scratch` for the whole session, stopped by its pid."""
    port = _free_port()
    binary = Path(sys.executable).parent / "localstripe"
    process = subprocess.Popen(
        [str(binary), "--port", str(port), "--from-scratch"],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env={**os.environ, "PYTHONUNBUFFERED": "1"},
    )
    url = f"http://127.0.0.1:{port}"
    try:
        for _attempt in range(100):
            try:
                httpx.get(
                    f"{url}/v1/customers", headers={"Authorization": "Bearer sk_test_x"}, timeout=1
                )
                break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            raise RuntimeError("localstripe did not start")
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)


@pytest.fixture(scope="session")
def _stripe_double(localstripe_url: str) -> Iterator[StripeDouble]:
    double = StripeDouble(localstripe_url=localstripe_url)
    double.start()
    yield double
    double.stop()


@pytest.fixture
def stripe_double(_stripe_double: StripeDouble, settings: Any) -> StripeDouble:
    _stripe_double.reset()
    settings.STRIPE_API_KEY = "sk_test_billing"
    settings.STRIPE_API_BASE = _stripe_double.url
    settings.STRIPE_WEBHOOK_SECRET = "whsec_billing_tests"
    return _stripe_double

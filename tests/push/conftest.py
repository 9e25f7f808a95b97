"""Web Push fixtures: a VAPID key in the settings, the fake push service on 127.0.0.1, and the
routing desk factory (tenant "alfa")."""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from push.services import vapid_keys_generate
from tests.pipeline.fixtures import (  # noqa: F401 - fixtures are found by name
    public_client,
    whatsapp_channel,
    whatsapp_sim,
)
from tests.push.fake_push_service import FakePushService
from tests.routing.conftest import alfa, desk  # noqa: F401 - fixtures are found by name


@pytest.fixture
def vapid(settings: Any) -> tuple[str, str]:
    """Push turned on with a fresh key pair; the fake service on plain http://127.0.0.1."""
    private, public = vapid_keys_generate()
    settings.WEB_PUSH_VAPID_PRIVATE_KEY = private
    settings.WEB_PUSH_VAPID_SUBJECT = "mailto:suporte@alfa.gov.br"
    settings.WEB_PUSH_SERVICE_HOSTS = ["127.0.0.1"]
    settings.WEB_PUSH_ALLOW_HTTP_LOOPBACK = True
    return private, public


@pytest.fixture
def push_service(vapid: tuple[str, str]) -> Iterator[FakePushService]:
    with FakePushService() as service:
        yield service

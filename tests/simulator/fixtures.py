"""Fixtures of the provider simulator tests: sandbox channels of the live tenant served by the
built-in simulator of the live server, which also receives the webhooks."""

from __future__ import annotations

import secrets
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel, ChannelMode, ChannelType
from channels.sandbox.transport import sandbox_http_client
from channels.services import channel_create
from security.actors import Actor
from tenants.models import Tenant
from tests.live.server import LiveServer, make_committed_user, tenant_host


@pytest.fixture
def sandbox_settings(asgi_server: LiveServer, settings: Any) -> str:
    """The platform's public address is the live server; the simulator answers there."""
    base = f"http://localhost:{asgi_server.port}"
    settings.CHANNELS_WEBHOOK_BASE_URL = base
    settings.CHANNELS_SANDBOX_URLS = {
        "whatsapp": f"{base}/sandbox/whatsapp",
        "telegram": f"{base}/sandbox/telegram",
    }
    settings.SANDBOX_STATUS_DELAYS = [0.05, 0.1, 0.15]
    return base


def _digits(count: int) -> str:
    return str(10 ** (count - 1) + secrets.randbelow(9 * 10 ** (count - 1)))


@pytest.fixture
def sandbox_whatsapp(live_tenant: Tenant, sandbox_settings: str, committed: None) -> Channel:
    with schema_context(live_tenant.schema_name):
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WHATSAPP,
            name=f"WhatsApp teste {secrets.token_hex(2)}",
            mode=ChannelMode.SANDBOX,
            credentials={
                "phone_number_id": _digits(15),
                "business_account_id": _digits(15),
                "access_token": "EAA" + secrets.token_urlsafe(30),
                "app_secret": secrets.token_hex(16),
                "verify_token": secrets.token_hex(8),
            },
        )


@pytest.fixture
def sandbox_telegram(live_tenant: Tenant, sandbox_settings: str, committed: None) -> Channel:
    with schema_context(live_tenant.schema_name):
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.TELEGRAM,
            name=f"Telegram teste {secrets.token_hex(2)}",
            mode=ChannelMode.SANDBOX,
            credentials={"bot_token": f"{_digits(10)}:{secrets.token_urlsafe(30)}"},
            http=sandbox_http_client(ChannelType.TELEGRAM, ChannelMode.SANDBOX, ""),
        )


@pytest.fixture
def admin_page(live_tenant: Tenant, committed: None) -> Client:
    """A signed-in administrator of the live tenant, on the tenant host (committed session)."""
    admin = make_committed_user(live_tenant, Role.ADMIN)
    client = Client(HTTP_HOST=tenant_host(live_tenant))
    with schema_context(live_tenant.schema_name):
        client.force_login(admin)
    return client

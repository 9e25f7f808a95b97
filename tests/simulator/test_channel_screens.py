"""The channel screens (capability manage_settings): list, create and edit WhatsApp, Telegram
and WebChat channels, with credentials stored encrypted and shown masked."""

from __future__ import annotations

from collections.abc import Callable
from html import escape
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel
from channels.providers.telegram.simulator import TelegramSimulator
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.conftest import MakeUser, host_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.1")]

WHATSAPP_FORM = {
    "name": "WhatsApp 156",
    "mode": "sandbox",
    "protocol_notice": "on",
    "phone_number_id": "106540352242922",
    "business_account_id": "102290129340398",
    "access_token": "EAAsegredo-de-acesso-abcd",
    "app_secret": "segredo-do-aplicativo-ef01",
    "verify_token": "verificacao-2345",
}


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    client_for: Callable[..., Client],
) -> Client:
    who = request.param
    if who == "anonymous":
        return client_for(tenant_alfa)
    if who == "other_tenant":
        client = client_for(tenant_beta, make_user(tenant_beta, Role.ADMIN))
        client.defaults["HTTP_HOST"] = host_of(tenant_alfa)
        return client
    return client_for(tenant_alfa, make_user(tenant_alfa, who))


def _channels(tenant: Tenant) -> list[tuple[str, str]]:
    with schema_context(tenant.schema_name):
        return list(Channel.objects.order_by("pk").values_list("name", "credentials"))


WHO = ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR]


@pytest.mark.parametrize(
    ("browser", "expected"),
    list(zip(WHO, [302, 302, 403, 403, 200, 403], strict=True)),
    indirect=["browser"],
)
def test_who_may_see_the_channel_and_simulator_screens(browser: Client, expected: int) -> None:
    assert browser.get("/canais/").status_code == expected
    assert browser.get("/canais/novo/whatsapp/").status_code == expected
    assert browser.get("/canais/simulador/").status_code == expected


@pytest.mark.parametrize(
    ("browser", "allowed"),
    list(zip(WHO, [False, False, False, False, True, False], strict=True)),
    indirect=["browser"],
)
def test_who_may_create_a_channel(browser: Client, allowed: bool, tenant_alfa: Tenant) -> None:
    before = _channels(tenant_alfa)

    browser.post("/canais/novo/whatsapp/", WHATSAPP_FORM)

    after = _channels(tenant_alfa)
    if allowed:
        assert [name for name, _credentials in after] == ["WhatsApp 156"]
    else:
        assert after == before


@pytest.mark.parametrize("browser", [Role.ADMIN], indirect=True)
@audits_route("tenant:channels:new")
def test_a_whatsapp_channel_is_created_and_shown_with_masked_secrets_and_the_webhook(
    browser: Client, tenant_alfa: Tenant
) -> None:
    created = browser.post("/canais/novo/whatsapp/", WHATSAPP_FORM)
    with schema_context(tenant_alfa.schema_name):
        channel = Channel.objects.get()
    page = browser.get(created["Location"]).content.decode()

    assert created.status_code == 302
    assert channel.credentials_data()["access_token"] == "EAAsegredo-de-acesso-abcd"
    for secret in ("access_token", "app_secret", "verify_token"):
        assert WHATSAPP_FORM[secret] not in page
    assert "••••••••abcd" in page
    assert "/webhooks/whatsapp" in page
    assert f"/canais/simulador/{channel.pk}/" in page


@pytest.mark.parametrize("browser", [Role.ADMIN], indirect=True)
@audits_route("tenant:channels:edit")
def test_editing_without_retyping_secrets_keeps_them(browser: Client, tenant_alfa: Tenant) -> None:
    browser.post("/canais/novo/whatsapp/", WHATSAPP_FORM)
    with schema_context(tenant_alfa.schema_name):
        channel = Channel.objects.get()

    saved = browser.post(
        f"/canais/{channel.pk}/",
        {
            **WHATSAPP_FORM,
            "name": "WhatsApp Central",
            "access_token": "",
            "app_secret": "",
            "verify_token": "",
            "is_active": "on",
        },
    )

    assert saved.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        channel.refresh_from_db()
    assert channel.name == "WhatsApp Central"
    assert channel.credentials_data()["app_secret"] == "segredo-do-aplicativo-ef01"


@pytest.mark.parametrize("browser", [Role.ADMIN], indirect=True)
def test_a_telegram_channel_registers_its_webhook_when_saved(
    browser: Client, tenant_alfa: Tenant, settings: Any
) -> None:
    settings.CHANNELS_WEBHOOK_BASE_URL = "https://plataforma.example.test"
    with TelegramSimulator() as simulator:
        response = browser.post(
            "/canais/novo/telegram/",
            {
                "name": "Bot",
                "mode": "sandbox",
                "sandbox_base_url": simulator.base_url,
                "bot_token": simulator.bot_token,
            },
        )
        webhook = simulator.webhook

    assert response.status_code == 302
    assert webhook is not None
    assert webhook["url"] == f"https://plataforma.example.test/webhooks/telegram/{simulator.bot_id}"


@pytest.mark.parametrize("browser", [Role.ADMIN], indirect=True)
def test_a_webchat_channel_shows_its_snippet_and_bad_origins_are_refused(
    browser: Client, tenant_alfa: Tenant
) -> None:
    refused = browser.post(
        "/canais/novo/webchat/",
        {
            "name": "Chat",
            "mode": "live",
            "webchat_allowed_origins": "site sem esquema",
            "webchat_primary_color": "#004080",
            "webchat_text_color": "#FFFFFF",
        },
    )
    created = browser.post(
        "/canais/novo/webchat/",
        {
            "name": "Chat",
            "mode": "live",
            "webchat_allowed_origins": "https://www.alfa.gov.br\nhttp://alfa.localhost",
            "webchat_primary_color": "#004080",
            "webchat_text_color": "#FFFFFF",
            "webchat_greeting": "Bem-vindo!",
        },
    )
    with schema_context(tenant_alfa.schema_name):
        channel = Channel.objects.get()
    page = browser.get(created["Location"]).content.decode()
    preview = browser.get(f"/canais/{channel.pk}/testar-widget/").content.decode()

    assert refused.status_code == 200
    assert "Origem inválida: site sem esquema" in refused.content.decode()
    assert channel.webchat_allowed_origins == ["https://www.alfa.gov.br", "http://alfa.localhost"]
    # The snippet is shown as text, to be copied.
    assert escape(f'data-channel="{channel.account_id}"') in page
    assert "/static/webchat/widget.js" in page
    assert f'data-channel="{channel.account_id}"' in preview

"""Channels through the API (6.5.63.4): credentials go in and never come back in full."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.intake.models import RoutingEntry
from channels.models import Channel
from channels.providers.telegram.simulator import TelegramSimulator
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.api.fixtures import ApiFor

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.63.4")]

WHATSAPP = {
    "phone_number_id": "106540352242922",
    "business_account_id": "102290129340398",
    "access_token": "EAAGm0PX4ZCpsBAKsegredo-de-acesso-1234",
    "app_secret": "app-secret-0123456789abcdef",
    "verify_token": "verifica-meta-5678",
}


def _post(client: Client, payload: dict[str, Any]) -> Any:
    return client.post("/api/channels", payload, content_type="application/json")


@audits_route("tenant:POST /api/channels")
def test_a_whatsapp_channel_is_created_and_its_secrets_are_only_shown_masked(
    api_for: ApiFor, tenant_alfa: Tenant
) -> None:
    admin = api_for(Role.ADMIN)

    response = _post(admin, {"type": "whatsapp", "name": "WhatsApp Central", "whatsapp": WHATSAPP})

    assert response.status_code == 201
    body = response.json()
    assert body["account_id"] == "106540352242922"
    assert body["webhook_url"].endswith("/webhooks/whatsapp")
    assert body["credentials"] == {
        "access_token": "••••••••1234",
        "app_secret": "••••••••cdef",
        "business_account_id": "102290129340398",
        "phone_number_id": "106540352242922",
        "verify_token": "••••••••5678",
    }
    listing = admin.get("/api/channels").content.decode()
    detail = admin.get(f"/api/channels/{body['id']}").content.decode()
    for secret in ("access_token", "app_secret", "verify_token"):
        assert WHATSAPP[secret] not in response.content.decode()
        assert WHATSAPP[secret] not in listing
        assert WHATSAPP[secret] not in detail
    with schema_context(tenant_alfa.schema_name):
        stored = Channel.objects.get(pk=body["id"])
        assert stored.credentials_data()["app_secret"] == WHATSAPP["app_secret"]
    assert (
        RoutingEntry.objects.get(
            provider="whatsapp", account_id="106540352242922"
        ).verification_secret
        == WHATSAPP["app_secret"]
    )


@audits_route("tenant:PATCH /api/channels/<channel_id>")
def test_an_update_without_secrets_keeps_them_and_a_new_secret_replaces_one(
    api_for: ApiFor, tenant_alfa: Tenant
) -> None:
    admin = api_for(Role.ADMIN)
    channel_id = _post(
        admin, {"type": "whatsapp", "name": "WhatsApp", "whatsapp": WHATSAPP}
    ).json()["id"]

    renamed = admin.patch(
        f"/api/channels/{channel_id}", {"name": "WhatsApp 156"}, content_type="application/json"
    )
    rotated = admin.patch(
        f"/api/channels/{channel_id}",
        {"whatsapp": {"access_token": "EAAnovo-token-9999", "app_secret": ""}},
        content_type="application/json",
    )

    assert renamed.json()["name"] == "WhatsApp 156"
    assert rotated.json()["credentials"]["access_token"] == "••••••••9999"
    with schema_context(tenant_alfa.schema_name):
        data = Channel.objects.get(pk=channel_id).credentials_data()
    assert data["access_token"] == "EAAnovo-token-9999"
    assert data["app_secret"] == WHATSAPP["app_secret"]


def test_a_telegram_channel_points_the_bot_at_us_with_a_secret_token(
    api_for: ApiFor, tenant_alfa: Tenant, telegram_sim: TelegramSimulator, settings: Any
) -> None:
    settings.CHANNELS_WEBHOOK_BASE_URL = "https://plataforma.example.test"

    response = _post(
        api_for(Role.ADMIN),
        {
            "type": "telegram",
            "name": "Bot da Prefeitura",
            "mode": "sandbox",
            "sandbox_base_url": telegram_sim.base_url,
            "telegram": {"bot_token": telegram_sim.bot_token},
        },
    )

    assert response.status_code == 201
    assert telegram_sim.webhook is not None
    assert telegram_sim.webhook["url"] == (
        f"https://plataforma.example.test/webhooks/telegram/{telegram_sim.bot_id}"
    )
    with schema_context(tenant_alfa.schema_name):
        secret = Channel.objects.get(pk=response.json()["id"]).credentials_data()["secret_token"]
    assert telegram_sim.webhook["secret_token"] == secret
    assert telegram_sim.bot_token not in response.content.decode()
    assert secret not in response.content.decode()


def test_a_webchat_channel_gets_its_key_and_embed_snippet(api_for: ApiFor) -> None:
    response = _post(
        api_for(Role.ADMIN),
        {
            "type": "webchat",
            "name": "Chat do portal",
            "webchat": {
                "allowed_origins": ["https://www.alfa.gov.br/"],
                "primary_color": "#004080",
                "greeting": "Olá!",
            },
        },
    )

    body = response.json()
    assert response.status_code == 201
    assert body["account_id"].startswith("ck_")
    assert body["webchat"]["allowed_origins"] == ["https://www.alfa.gov.br"]
    assert body["webchat"]["embed_snippet"] == (
        f'<script src="http://alfa.localhost/static/webchat/widget.js" '
        f'data-channel="{body["account_id"]}" data-base="http://alfa.localhost" async></script>'
    )
    assert body["credentials"]["signing_key"].startswith("••••••••")


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"type": "whatsapp", "name": "Sem credenciais"}, None),
        (
            {
                "type": "whatsapp",
                "name": "Id ruim",
                "whatsapp": {**WHATSAPP, "phone_number_id": "abc"},
            },
            "phone_number_id",
        ),
        (
            {
                "type": "webchat",
                "name": "Origem ruim",
                "webchat": {"allowed_origins": ["javascript:alert(1)"]},
            },
            "webchat_allowed_origins",
        ),
        (
            {"type": "webchat", "name": "Cor ruim", "webchat": {"primary_color": "azul"}},
            "webchat_primary_color",
        ),
    ],
)
def test_bad_channel_input_is_refused_with_a_clear_error_and_nothing_saved(
    api_for: ApiFor, tenant_alfa: Tenant, payload: dict[str, Any], field: str | None
) -> None:
    response = _post(api_for(Role.ADMIN), payload)

    assert response.status_code == 400
    assert response.json().get("field") == field
    assert response.json()["detail"]
    with schema_context(tenant_alfa.schema_name):
        assert Channel.objects.count() == 0
    assert RoutingEntry.objects.filter(tenant=tenant_alfa).count() == 0
    assert json.loads(response.content)["detail"] != ""

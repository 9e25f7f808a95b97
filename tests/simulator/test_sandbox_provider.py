"""The built-in simulator as a provider (6.8.5): it serves sandbox channels only, checks their
real credentials, and the demo tenant gets channels ready to use with it."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.core.management import call_command
from django.test import Client
from django_tenants.utils import schema_context

from channels.models import Channel, ChannelMode, ChannelType
from channels.sandbox import state
from channels.sandbox.transport import builtin_sandbox_url
from channels.services import channel_update, webhook_url
from security.actors import Actor
from tenants.models import Tenant

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.8.5")]


def _send(client: Client, channel: Channel, token: str) -> Any:
    return client.post(
        f"/sandbox/whatsapp/v21.0/{channel.account_id}/messages",
        json.dumps(
            {
                "messaging_product": "whatsapp",
                "to": "5511987654321",
                "type": "text",
                "text": {"body": "Olá"},
            }
        ),
        content_type="application/json",
        HTTP_AUTHORIZATION=f"Bearer {token}",
    )


def test_the_simulator_answers_like_graph_for_a_sandbox_channel_with_its_own_token(
    public_client: Client, tenant_alfa: Tenant, whatsapp_channel: Channel
) -> None:
    with schema_context(tenant_alfa.schema_name):
        token = Channel.objects.get(pk=whatsapp_channel.pk).credentials_data()["access_token"]

    accepted = _send(public_client, whatsapp_channel, token)
    refused = _send(public_client, whatsapp_channel, "EAAtoken-errado")

    assert accepted.status_code == 200
    assert accepted.json()["messages"][0]["id"].startswith("wamid.")
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == 190
    entries = state.transcript_get(tenant_alfa.schema_name, whatsapp_channel.pk, "5511987654321")
    assert [(entry["direction"], entry["text"]) for entry in entries] == [("out", "Olá")]


def test_a_live_channel_is_unknown_to_the_simulator(
    public_client: Client, tenant_alfa: Tenant, whatsapp_channel: Channel
) -> None:
    with schema_context(tenant_alfa.schema_name):
        channel_update(
            actor=Actor.command("tests"), channel=whatsapp_channel, mode=ChannelMode.LIVE
        )
        token = Channel.objects.get(pk=whatsapp_channel.pk).credentials_data()["access_token"]

    response = _send(public_client, whatsapp_channel, token)

    assert response.status_code == 400
    assert response.json()["error"]["error_subcode"] == 33


def test_the_demo_tenant_gets_sandbox_channels_ready_for_the_simulator(
    tenant_alfa: Tenant, settings: Any
) -> None:
    call_command("seed_demo_channels", slug=tenant_alfa.slug, origin=["http://localhost:8080"])
    call_command("seed_demo_channels", slug=tenant_alfa.slug)

    with schema_context(tenant_alfa.schema_name):
        channels = {channel.type: channel for channel in Channel.objects.all()}
        assert Channel.objects.count() == 3
        assert (channels[ChannelType.WHATSAPP].mode, channels[ChannelType.TELEGRAM].mode) == (
            ChannelMode.SANDBOX,
            ChannelMode.SANDBOX,
        )
        telegram_hook = webhook_url(channels[ChannelType.TELEGRAM])
        telegram_secret = channels[ChannelType.TELEGRAM].credentials_data()["secret_token"]
    assert channels[ChannelType.WEBCHAT].webchat_allowed_origins == [
        "http://alfa.localhost:8000",
        "http://localhost:8080",
    ]
    # The simulated Telegram was told where to post, with the channel's secret token.
    assert state.webhook_get("telegram", channels[ChannelType.TELEGRAM].account_id) == {
        "url": telegram_hook,
        "secret_token": telegram_secret,
    }
    assert settings.CHANNELS_SANDBOX_URLS["whatsapp"] == builtin_sandbox_url("whatsapp")

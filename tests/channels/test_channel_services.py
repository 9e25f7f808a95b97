"""Channel configuration: encrypted credentials, the public routing table, Telegram setWebhook."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from channels.errors import ChannelError
from channels.intake.models import RoutingEntry
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.http import HttpClient
from channels.providers.telegram.simulator import TelegramSimulator
from channels.providers.webchat.tokens import verify_visitor_token
from channels.providers.whatsapp.simulator import WhatsAppSimulator
from channels.services import (
    WebChatSettings,
    channel_create,
    channel_update,
    webchat_visitor_token_issue,
)
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.pipeline.fixtures import TELEGRAM_WEBHOOK_BASE, WEBCHAT_ORIGIN

ACTOR = Actor.command("tests")


def _raw_column(table: str, column: str, row_id: int) -> str:
    with connection.cursor() as cursor:
        cursor.execute(f"SELECT {column} FROM {table} WHERE id = %s", [row_id])  # noqa: S608
        return str(cursor.fetchone()[0])


def _whatsapp_credentials(simulator: WhatsAppSimulator) -> dict[str, str]:
    return {
        "phone_number_id": simulator.phone_number_id,
        "business_account_id": simulator.business_account_id,
        "access_token": simulator.access_token,
        "app_secret": simulator.app_secret,
        "verify_token": simulator.verify_token,
    }


@pytest.mark.req("6.5.1")
def test_whatsapp_credentials_are_stored_encrypted_and_shown_masked(
    tenant_alfa: Tenant, whatsapp_sim: WhatsAppSimulator
) -> None:
    # given / when an admin connects a WhatsApp number
    with schema_context(tenant_alfa.schema_name):
        channel = channel_create(
            actor=ACTOR,
            type=ChannelType.WHATSAPP,
            name="WhatsApp",
            credentials=_whatsapp_credentials(whatsapp_sim),
        )
        raw = _raw_column("channels_channel", "credentials", channel.pk)
        masked = channel.credentials_masked()
        stored = Channel.objects.get(pk=channel.pk)

    # then no secret is readable in the database, and none is shown back in full
    for secret in (whatsapp_sim.access_token, whatsapp_sim.app_secret, whatsapp_sim.verify_token):
        assert secret not in raw
    assert stored.credentials_data()["access_token"] == whatsapp_sim.access_token
    assert masked == {
        "access_token": "••••••••" + whatsapp_sim.access_token[-4:],
        "app_secret": "••••••••" + whatsapp_sim.app_secret[-4:],
        "business_account_id": whatsapp_sim.business_account_id,
        "phone_number_id": whatsapp_sim.phone_number_id,
        "verify_token": "••••••••" + whatsapp_sim.verify_token[-4:],
    }
    assert channel.account_id == whatsapp_sim.phone_number_id
    assert channel.default_team is not None


def test_routing_entry_mirrors_the_channel_with_its_secret_encrypted(
    tenant_alfa: Tenant, whatsapp_sim: WhatsAppSimulator
) -> None:
    with schema_context(tenant_alfa.schema_name):
        channel = channel_create(
            actor=ACTOR,
            type=ChannelType.WHATSAPP,
            name="WhatsApp",
            credentials=_whatsapp_credentials(whatsapp_sim),
        )

    entry = RoutingEntry.objects.get(provider="whatsapp", account_id=whatsapp_sim.phone_number_id)
    assert (entry.tenant_id, entry.channel_id) == (tenant_alfa.pk, channel.pk)
    assert entry.verification_secret == whatsapp_sim.app_secret
    assert entry.secondary_account_id == whatsapp_sim.business_account_id
    assert whatsapp_sim.app_secret not in _raw_column(
        "intake_routingentry", "verification_secret", entry.pk
    )
    assert whatsapp_sim.verify_token not in _raw_column(
        "intake_routingentry", "verify_token", entry.pk
    )


def test_creating_a_channel_is_audited_with_masked_credentials(
    tenant_alfa: Tenant, whatsapp_sim: WhatsAppSimulator
) -> None:
    with schema_context(tenant_alfa.schema_name):
        channel = channel_create(
            actor=ACTOR,
            type=ChannelType.WHATSAPP,
            name="WhatsApp",
            credentials=_whatsapp_credentials(whatsapp_sim),
        )
        entry = AuditEntry.objects.get(action="channel.create", object_id=str(channel.pk))

    assert entry.actor_label == "tests"
    assert entry.after is not None
    assert entry.after["credentials"]["app_secret"] == "••••••••" + whatsapp_sim.app_secret[-4:]
    assert whatsapp_sim.access_token not in json.dumps(entry.after)


def test_the_same_provider_account_cannot_serve_two_tenants(
    tenant_alfa: Tenant, tenant_beta: Tenant, whatsapp_sim: WhatsAppSimulator
) -> None:
    with schema_context(tenant_alfa.schema_name):
        channel_create(
            actor=ACTOR,
            type=ChannelType.WHATSAPP,
            name="WhatsApp",
            credentials=_whatsapp_credentials(whatsapp_sim),
        )

    with schema_context(tenant_beta.schema_name):
        with pytest.raises(ChannelError) as refused:
            channel_create(
                actor=ACTOR,
                type=ChannelType.WHATSAPP,
                name="Mesmo número",
                credentials=_whatsapp_credentials(whatsapp_sim),
            )
        assert Channel.objects.count() == 0

    assert refused.value.field == "account_id"
    assert RoutingEntry.objects.get(account_id=whatsapp_sim.phone_number_id).tenant == tenant_alfa


@pytest.mark.parametrize("missing", ["access_token", "app_secret", "verify_token"])
def test_whatsapp_channel_needs_every_credential(
    tenant_alfa: Tenant, whatsapp_sim: WhatsAppSimulator, missing: str
) -> None:
    credentials = _whatsapp_credentials(whatsapp_sim) | {missing: ""}
    with schema_context(tenant_alfa.schema_name):
        with pytest.raises(ChannelError) as refused:
            channel_create(
                actor=ACTOR, type=ChannelType.WHATSAPP, name="WhatsApp", credentials=credentials
            )
        assert Channel.objects.count() == 0
    assert refused.value.field == missing
    assert not RoutingEntry.objects.filter(account_id=whatsapp_sim.phone_number_id).exists()


def test_update_keeps_blank_secrets_and_rotates_the_routing_secret(
    tenant_alfa: Tenant, whatsapp_sim: WhatsAppSimulator
) -> None:
    with schema_context(tenant_alfa.schema_name):
        channel = channel_create(
            actor=ACTOR,
            type=ChannelType.WHATSAPP,
            name="WhatsApp",
            credentials=_whatsapp_credentials(whatsapp_sim),
        )
        # when the form sends a blank token (unchanged) and a new app secret
        channel_update(
            actor=ACTOR,
            channel=channel,
            credentials={"access_token": "", "app_secret": "novo-segredo-do-app"},
        )
        stored = Channel.objects.get(pk=channel.pk).credentials_data()

    assert stored["access_token"] == whatsapp_sim.access_token
    assert stored["app_secret"] == "novo-segredo-do-app"
    entry = RoutingEntry.objects.get(account_id=whatsapp_sim.phone_number_id)
    assert entry.verification_secret == "novo-segredo-do-app"


def test_telegram_channel_sets_the_webhook_with_its_secret_token(
    tenant_alfa: Tenant, telegram_sim: TelegramSimulator, settings: Any, sim_http: HttpClient
) -> None:
    settings.CHANNELS_WEBHOOK_BASE_URL = TELEGRAM_WEBHOOK_BASE
    with schema_context(tenant_alfa.schema_name):
        channel = channel_create(
            actor=ACTOR,
            type=ChannelType.TELEGRAM,
            name="Telegram",
            mode=ChannelMode.SANDBOX,
            sandbox_base_url=telegram_sim.base_url,
            credentials={"bot_token": telegram_sim.bot_token},
            http=sim_http,
        )
        secret = channel.credentials_data()["secret_token"]

    assert channel.account_id == str(telegram_sim.bot_id)
    assert telegram_sim.webhook == {
        "url": f"{TELEGRAM_WEBHOOK_BASE}/webhooks/telegram/{telegram_sim.bot_id}",
        "secret_token": secret,
        "allowed_updates": ["message", "edited_message", "callback_query"],
        "drop_pending_updates": False,
    }
    assert len(secret) >= 32
    entry = RoutingEntry.objects.get(provider="telegram", account_id=str(telegram_sim.bot_id))
    assert entry.verification_secret == secret


def test_telegram_refusing_the_webhook_leaves_nothing_behind(
    tenant_alfa: Tenant, telegram_sim: TelegramSimulator, settings: Any, sim_http: HttpClient
) -> None:
    settings.CHANNELS_WEBHOOK_BASE_URL = TELEGRAM_WEBHOOK_BASE
    telegram_sim.fail_next("auth")
    with schema_context(tenant_alfa.schema_name):
        with pytest.raises(ChannelError) as refused:
            channel_create(
                actor=ACTOR,
                type=ChannelType.TELEGRAM,
                name="Telegram",
                mode=ChannelMode.SANDBOX,
                sandbox_base_url=telegram_sim.base_url,
                credentials={"bot_token": telegram_sim.bot_token},
                http=sim_http,
            )
        assert Channel.objects.count() == 0
    assert "Unauthorized" in refused.value.message
    assert not RoutingEntry.objects.filter(provider="telegram").exists()


def test_invalid_bot_token_is_refused_before_calling_telegram(
    tenant_alfa: Tenant, telegram_sim: TelegramSimulator
) -> None:
    with schema_context(tenant_alfa.schema_name), pytest.raises(ChannelError) as refused:
        channel_create(
            actor=ACTOR,
            type=ChannelType.TELEGRAM,
            name="Telegram",
            credentials={"bot_token": "isto-nao-e-um-token"},
        )
    assert refused.value.field == "bot_token"
    assert telegram_sim.requests == []


def test_webchat_channel_gets_its_keys_and_normalized_origins(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name):
        channel = channel_create(
            actor=ACTOR,
            type=ChannelType.WEBCHAT,
            name="Chat",
            webchat=WebChatSettings(
                allowed_origins=["HTTPS://www.Alfa.gov.br/", "https://www.alfa.gov.br:443"],
                primary_color="#00aa00",
                greeting=" Bem-vindo ",
            ),
        )
        visitor_id, token = webchat_visitor_token_issue(channel)
        signing_key = channel.credentials_data()["signing_key"]

    assert channel.account_id.startswith("ck_")
    assert channel.webchat_allowed_origins == [WEBCHAT_ORIGIN]
    assert (channel.webchat_primary_color, channel.webchat_greeting) == ("#00AA00", "Bem-vindo")
    claims = verify_visitor_token(token, signing_key=signing_key, channel_key=channel.account_id)
    assert claims.visitor_id == visitor_id
    entry = RoutingEntry.objects.get(provider="webchat", account_id=channel.account_id)
    assert entry.allowed_origins == [WEBCHAT_ORIGIN]
    assert entry.verification_secret == signing_key


@pytest.mark.parametrize(
    ("webchat", "field"),
    [
        (WebChatSettings(allowed_origins=["www.alfa.gov.br"]), "webchat_allowed_origins"),
        (WebChatSettings(allowed_origins=["https://a.gov.br/pagina"]), "webchat_allowed_origins"),
        (WebChatSettings(primary_color="azul"), "webchat_primary_color"),
    ],
)
def test_webchat_settings_are_validated(
    tenant_alfa: Tenant, webchat: WebChatSettings, field: str
) -> None:
    with schema_context(tenant_alfa.schema_name):
        with pytest.raises(ChannelError) as refused:
            channel_create(actor=ACTOR, type=ChannelType.WEBCHAT, name="Chat", webchat=webchat)
        assert Channel.objects.count() == 0
    assert refused.value.field == field

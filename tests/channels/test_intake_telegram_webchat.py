"""The Telegram and WebChat webhook intake: secrets, origins, visitor tokens, CORS."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from channels.intake.models import InboxEvent, InboxStatus, RejectedWebhook
from channels.models import Channel
from channels.providers.base import WebhookDelivery
from channels.providers.telegram.simulator import build_update, build_update_text
from channels.providers.webchat.simulator import build_webchat_message
from desk.models import Message
from tenants.models import Tenant
from tests.channels.providers.payloads import fixture_json
from tests.pipeline.fixtures import (
    WEBCHAT_ORIGIN,
    deliver,
    telegram_credentials,
    webchat_credentials,
)


def _telegram_url(channel: Channel) -> str:
    return f"/webhooks/telegram/{channel.account_id}"


def _webchat_url(channel: Channel) -> str:
    return f"/webhooks/webchat/{channel.account_id}"


# --- Telegram ----------------------------------------------------------------------------------


@pytest.mark.req("6.5.1")
def test_telegram_update_with_the_secret_is_stored_and_processed(
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    delivery = build_update_text(credentials, text="Oi, prefeitura", update_id=4242)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(public_client, _telegram_url(telegram_channel), delivery)

    assert response.status_code == 200
    event = InboxEvent.objects.get()
    assert event.event_key == f"telegram:{telegram_channel.account_id}:4242"
    assert event.status == InboxStatus.PROCESSED
    # the secret header is a credential: it is not kept with the event
    assert "X-Telegram-Bot-Api-Secret-Token" not in event.headers
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(direction="in").get().text == "Oi, prefeitura"


@pytest.mark.parametrize("secret", [None, "segredo-errado"], ids=["missing", "wrong"])
def test_telegram_update_without_the_right_secret_is_refused(
    tenant_alfa: Tenant, telegram_channel: Channel, public_client: Client, secret: str | None
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    body = build_update_text(credentials, text="forjado").body
    headers = {} if secret is None else {"X-Telegram-Bot-Api-Secret-Token": secret}

    response = deliver(
        public_client, _telegram_url(telegram_channel), WebhookDelivery(body=body, headers=headers)
    )

    assert response.status_code == 403
    assert InboxEvent.objects.count() == 0
    assert RejectedWebhook.objects.get(reason="bad_signature").account_id == (
        telegram_channel.account_id
    )


def test_telegram_unknown_bot_gets_404(
    tenant_alfa: Tenant, telegram_channel: Channel, public_client: Client
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)

    response = deliver(
        public_client, "/webhooks/telegram/123", build_update_text(credentials, text="oi")
    )

    assert response.status_code == 404
    assert InboxEvent.objects.count() == 0


def test_telegram_malformed_update_gets_400(
    tenant_alfa: Tenant, telegram_channel: Channel, public_client: Client
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    delivery = build_update(credentials, {"message": {"text": "sem update_id"}})

    response = deliver(public_client, _telegram_url(telegram_channel), delivery)

    assert response.status_code == 400
    assert InboxEvent.objects.count() == 0


def test_telegram_inline_query_is_recorded_as_unknown(
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    delivery = build_update(credentials, fixture_json("telegram", "inline_query"))

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(public_client, _telegram_url(telegram_channel), delivery)

    assert response.status_code == 200
    event = InboxEvent.objects.get()
    assert (event.status, event.unknown_types) == (InboxStatus.UNKNOWN, ["inline_query"])


# --- WebChat -----------------------------------------------------------------------------------


@pytest.mark.req("6.5.1")
def test_webchat_message_from_an_allowed_page_is_stored_with_cors(
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    delivery = build_webchat_message(
        credentials, visitor_id="v_visitante1", text="Olá 👋", client_message_id="c-1"
    )

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(public_client, _webchat_url(webchat_channel), delivery)

    assert response.status_code == 200
    assert response["Access-Control-Allow-Origin"] == WEBCHAT_ORIGIN
    event = InboxEvent.objects.get()
    assert event.event_key == f"webchat:{webchat_channel.account_id}:v_visitante1:c-1"
    assert "Authorization" not in event.headers
    assert event.headers["Origin"] == WEBCHAT_ORIGIN
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(direction="in").get().text == "Olá 👋"


def test_webchat_preflight_answers_only_allowed_origins(
    webchat_channel: Channel, public_client: Client
) -> None:
    allowed = public_client.options(
        _webchat_url(webchat_channel), headers={"Origin": WEBCHAT_ORIGIN}
    )
    other = public_client.options(
        _webchat_url(webchat_channel), headers={"Origin": "https://golpe.example.com"}
    )

    assert allowed.status_code == 204
    assert allowed["Access-Control-Allow-Origin"] == WEBCHAT_ORIGIN
    assert allowed["Access-Control-Allow-Headers"] == "Authorization, Content-Type"
    assert other.status_code == 204
    assert "Access-Control-Allow-Origin" not in other


def test_webchat_from_another_origin_is_refused(
    tenant_alfa: Tenant, webchat_channel: Channel, public_client: Client
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    delivery = build_webchat_message(
        credentials, visitor_id="v_1", text="oi", origin="https://golpe.example.com"
    )

    response = deliver(public_client, _webchat_url(webchat_channel), delivery)

    assert response.status_code == 403
    assert InboxEvent.objects.count() == 0
    assert RejectedWebhook.objects.get(reason="origin").count == 1


@pytest.mark.parametrize("problem", ["other-key", "expired", "other-visitor"])
def test_webchat_without_a_valid_visitor_token_is_refused(
    tenant_alfa: Tenant, webchat_channel: Channel, public_client: Client, problem: str
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    if problem == "other-key":
        signer = type(credentials)(
            channel_key=credentials.channel_key,
            signing_key="outra-chave",
            allowed_origins=credentials.allowed_origins,
        )
        delivery = build_webchat_message(signer, visitor_id="v_1", text="oi")
    elif problem == "expired":
        delivery = build_webchat_message(
            credentials,
            visitor_id="v_1",
            text="oi",
            issued_at=datetime.now(UTC) - timedelta(days=31),
        )
    else:
        token_for_v2 = build_webchat_message(credentials, visitor_id="v_2", text="oi")
        body = build_webchat_message(credentials, visitor_id="v_1", text="oi").body
        delivery = WebhookDelivery(body=body, headers=token_for_v2.headers)

    response = deliver(public_client, _webchat_url(webchat_channel), delivery)

    assert response.status_code == 401
    assert InboxEvent.objects.count() == 0


def test_webchat_malformed_body_gets_400(
    tenant_alfa: Tenant, webchat_channel: Channel, public_client: Client
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    valid = build_webchat_message(credentials, visitor_id="v_1", text="oi")

    response = deliver(
        public_client,
        _webchat_url(webchat_channel),
        WebhookDelivery(body=b"{quebrado", headers=valid.headers),
    )

    assert response.status_code == 400
    assert InboxEvent.objects.count() == 0

"""The WhatsApp webhook intake: handshake, signature, malformed, unknown, size, duplicates."""

from __future__ import annotations

import json
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from channels.intake.models import InboxEvent, InboxStatus, RejectedWebhook
from channels.models import Channel
from channels.providers.base import WebhookDelivery
from channels.providers.whatsapp.simulator import build_inbound_text
from channels.providers.whatsapp.simulator import deliver as sign
from channels.providers.whatsapp.webhook import sign_body
from desk.models import Message
from tenants.models import Tenant
from tests.channels.providers.payloads import fixture_bytes
from tests.pipeline.fixtures import deliver, whatsapp_credentials

URL = "/webhooks/whatsapp"


def _rejections(reason: str) -> int:
    return sum(RejectedWebhook.objects.filter(reason=reason).values_list("count", flat=True))


@pytest.mark.req("6.5.1")
def test_signed_text_is_stored_raw_and_processed(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    delivery = build_inbound_text(credentials, text="Bom dia", message_id="wamid.INTAKE1")

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(public_client, URL, delivery)

    assert (response.status_code, response.json()) == (200, {"status": "ok"})
    event = InboxEvent.objects.get()
    assert bytes(event.body) == delivery.body
    assert (event.provider, event.event_key) == ("whatsapp", "whatsapp:m:wamid.INTAKE1")
    assert (event.tenant_id, event.channel_id, event.status) == (
        tenant_alfa.pk,
        whatsapp_channel.pk,
        InboxStatus.PROCESSED,
    )
    assert event.headers["X-Hub-Signature-256"] == delivery.headers["X-Hub-Signature-256"]
    with schema_context(tenant_alfa.schema_name):
        assert list(Message.objects.filter(direction="in").values_list("text", flat=True)) == [
            "Bom dia"
        ]


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"X-Hub-Signature-256": "sha256=" + "0" * 64},
        {"X-Hub-Signature-256": sign_body(b"outro corpo", "segredo")},
    ],
    ids=["missing", "zeros", "other-body"],
)
def test_wrong_signature_is_refused_and_nothing_is_stored(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    headers: dict[str, str],
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    body = build_inbound_text(credentials, text="forjado").body

    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        response = deliver(public_client, URL, WebhookDelivery(body=body, headers=headers))

    assert response.status_code == 401
    assert InboxEvent.objects.count() == 0
    assert callbacks == []
    rejected = RejectedWebhook.objects.get(reason="bad_signature")
    assert (rejected.provider, rejected.account_id, rejected.count) == (
        "whatsapp",
        whatsapp_channel.account_id,
        1,
    )
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.count() == 0


def test_body_signed_with_another_apps_secret_is_refused(
    tenant_alfa: Tenant, whatsapp_channel: Channel, public_client: Client
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    forged = build_inbound_text(
        type(credentials)(**{**credentials.__dict__, "app_secret": "segredo-de-outro-app"}),
        text="forjado",
    )

    response = deliver(public_client, URL, forged)

    assert response.status_code == 401
    assert InboxEvent.objects.count() == 0


@pytest.mark.parametrize(
    "body",
    [
        b"{not json",
        b"[]",
        b'{"object": "page", "entry": []}',
        b'{"object": "whatsapp_business_account"}',
    ],
    ids=["syntax", "array", "other-object", "no-entry"],
)
def test_malformed_body_gets_400_and_is_not_stored(
    whatsapp_channel: Channel, public_client: Client, body: bytes
) -> None:
    response = deliver(
        public_client,
        URL,
        WebhookDelivery(body=body, headers={"X-Hub-Signature-256": sign_body(body, "x")}),
    )

    assert response.status_code == 400
    assert "formato inválido" in response.json()["detail"]
    assert InboxEvent.objects.count() == 0
    assert _rejections("malformed") == 1


def test_unknown_phone_number_gets_404(
    tenant_alfa: Tenant, whatsapp_channel: Channel, public_client: Client
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    other = type(credentials)(**{**credentials.__dict__, "phone_number_id": "999999999999"})

    response = deliver(public_client, URL, build_inbound_text(other, text="oi"))

    assert response.status_code == 404
    assert InboxEvent.objects.count() == 0
    # unknown ids are counted without the id itself
    assert RejectedWebhook.objects.filter(reason="unknown_account", account_id="").exists()


def test_body_over_the_limit_gets_413(
    tenant_alfa: Tenant, whatsapp_channel: Channel, public_client: Client, settings: Any
) -> None:
    settings.INTAKE_MAX_BODY_BYTES = 1024
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)

    response = deliver(public_client, URL, build_inbound_text(credentials, text="x" * 2000))

    assert response.status_code == 413
    assert InboxEvent.objects.count() == 0
    assert _rejections("too_large") == 1


def test_unknown_event_type_is_recorded_as_unknown(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given Meta's template-status event, which names only the business account (WABA)
    payload = json.loads(fixture_bytes("whatsapp", "message_template_status_update"))
    payload["entry"][0]["id"] = whatsapp_credentials(
        tenant_alfa, whatsapp_channel
    ).business_account_id
    delivery = sign(whatsapp_credentials(tenant_alfa, whatsapp_channel), payload)

    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(public_client, URL, delivery)

    assert response.status_code == 200
    event = InboxEvent.objects.get()
    assert event.status == InboxStatus.UNKNOWN
    assert event.unknown_types == ["message_template_status_update"]
    assert bytes(event.body) == delivery.body


def test_the_same_delivery_twice_is_stored_once(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    delivery = build_inbound_text(credentials, text="repetida")

    with django_capture_on_commit_callbacks(execute=True):
        first = deliver(public_client, URL, delivery)
        second = deliver(public_client, URL, delivery)

    assert [first.json(), second.json()] == [{"status": "ok"}, {"status": "duplicate"}]
    assert InboxEvent.objects.count() == 1


def test_subscription_handshake_echoes_the_challenge(
    tenant_alfa: Tenant, whatsapp_channel: Channel, public_client: Client
) -> None:
    verify_token = whatsapp_credentials(tenant_alfa, whatsapp_channel).verify_token

    accepted = public_client.get(
        URL,
        {"hub.mode": "subscribe", "hub.verify_token": verify_token, "hub.challenge": "1158201444"},
    )
    refused = public_client.get(
        URL, {"hub.mode": "subscribe", "hub.verify_token": "errado", "hub.challenge": "1"}
    )

    assert (accepted.status_code, accepted.content) == (200, b"1158201444")
    assert accepted["Content-Type"].startswith("text/plain")
    assert refused.status_code == 403
    assert _rejections("handshake") == 1


def test_other_methods_are_not_allowed(db: None, public_client: Client) -> None:
    assert public_client.put(URL, data=b"{}").status_code == 405

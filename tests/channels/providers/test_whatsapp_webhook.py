"""WhatsApp webhook authenticity: X-Hub-Signature-256 and the hub.challenge handshake."""

from __future__ import annotations

import hashlib
import hmac

import pytest

from channels.providers.errors import InvalidSignature, MalformedPayload
from channels.providers.whatsapp.adapter import WhatsAppAdapter
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import build_inbound_text, build_status

from .payloads import fixture_bytes

APP_SECRET = "6f1d0c2b9a8e7f6d5c4b3a2918273645"
CREDENTIALS = WhatsAppCredentials(
    phone_number_id="106540352242922",
    business_account_id="102290129340398",
    access_token="EAAtest",
    app_secret=APP_SECRET,
    verify_token="verify-me-please",
)
adapter = WhatsAppAdapter()


def meta_signature(body: bytes, secret: str = APP_SECRET) -> str:
    """Computed here independently of the adapter, as Meta documents it."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@pytest.mark.req("6.5.1")
def test_a_body_signed_with_the_app_secret_is_accepted() -> None:
    body = fixture_bytes("whatsapp", "text")

    adapter.verify({"X-Hub-Signature-256": meta_signature(body)}, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
def test_header_name_case_and_hex_case_do_not_matter() -> None:
    body = fixture_bytes("whatsapp", "image")
    signature = meta_signature(body)

    adapter.verify({"x-hub-signature-256": "sha256=" + signature[7:].upper()}, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("case", "headers", "body"),
    [
        ("missing header", {}, fixture_bytes("whatsapp", "text")),
        (
            "wrong secret",
            {
                "X-Hub-Signature-256": meta_signature(
                    fixture_bytes("whatsapp", "text"), "another-secret"
                )
            },
            fixture_bytes("whatsapp", "text"),
        ),
        (
            "tampered body",
            {"X-Hub-Signature-256": meta_signature(fixture_bytes("whatsapp", "text"))},
            fixture_bytes("whatsapp", "text").replace(b"another color", b"another price"),
        ),
        (
            "no sha256= prefix",
            {"X-Hub-Signature-256": meta_signature(fixture_bytes("whatsapp", "text"))[7:]},
            fixture_bytes("whatsapp", "text"),
        ),
        ("empty header", {"X-Hub-Signature-256": ""}, fixture_bytes("whatsapp", "text")),
        (
            "sha1 signature",
            {
                "X-Hub-Signature": "sha1="
                + hmac.new(
                    APP_SECRET.encode(), fixture_bytes("whatsapp", "text"), hashlib.sha1
                ).hexdigest()
            },
            fixture_bytes("whatsapp", "text"),
        ),
    ],
    ids=lambda value: value if isinstance(value, str) and " " in value else None,
)
def test_requests_that_do_not_prove_meta_sent_them_are_refused(
    case: str, headers: dict[str, str], body: bytes
) -> None:
    with pytest.raises(InvalidSignature):
        adapter.verify(headers, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
def test_a_channel_without_app_secret_refuses_everything() -> None:
    body = fixture_bytes("whatsapp", "text")
    unconfigured = WhatsAppCredentials(
        phone_number_id="1",
        business_account_id="2",
        access_token="t",
        app_secret="",
        verify_token="v",
    )

    with pytest.raises(InvalidSignature):
        adapter.verify({"X-Hub-Signature-256": meta_signature(body, "")}, body, unconfigured)


@pytest.mark.req("6.5.1")
def test_subscription_handshake_echoes_the_challenge() -> None:
    params = {
        "hub.mode": "subscribe",
        "hub.verify_token": "verify-me-please",
        "hub.challenge": "1158201444",
    }

    assert adapter.verify_subscription(params, CREDENTIALS) == "1158201444"


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("params", "error"),
    [
        (
            {"hub.mode": "subscribe", "hub.verify_token": "guess", "hub.challenge": "1"},
            InvalidSignature,
        ),
        (
            {
                "hub.mode": "unsubscribe",
                "hub.verify_token": "verify-me-please",
                "hub.challenge": "1",
            },
            InvalidSignature,
        ),
        ({"hub.challenge": "1"}, InvalidSignature),
        ({"hub.mode": "subscribe", "hub.verify_token": "verify-me-please"}, MalformedPayload),
    ],
    ids=["wrong token", "wrong mode", "no mode", "no challenge"],
)
def test_subscription_handshake_refusals(params: dict[str, str], error: type[Exception]) -> None:
    with pytest.raises(error):
        adapter.verify_subscription(params, CREDENTIALS)


@pytest.mark.req("6.5.1")
def test_simulator_builders_produce_bodies_the_adapter_verifies_and_parses() -> None:
    # Given a text webhook and a status webhook built like Meta would send them
    text = build_inbound_text(
        CREDENTIALS,
        text="Quero emitir a segunda via do IPTU",
        message_id="wamid.SIM1",
        timestamp=1750016800,
    )
    status = build_status(
        CREDENTIALS, message_id="wamid.OUT1", status="delivered", timestamp=1750016900
    )

    # When the intake verifies and the worker parses them
    for delivery in (text, status):
        adapter.verify(delivery.headers, delivery.body, CREDENTIALS)
    message = adapter.parse(text.body).messages[0]
    update = adapter.parse(status.body).statuses[0]

    # Then they come out as a citizen's text and a delivery receipt for our message
    assert (
        message.provider_message_id,
        message.text,
        message.sender_phone,
        message.sender_name,
    ) == (
        "wamid.SIM1",
        "Quero emitir a segunda via do IPTU",
        "+5511987654321",
        "Maria da Silva",
    )
    assert (update.provider_message_id, update.status, update.recipient_id) == (
        "wamid.OUT1",
        "delivered",
        "5511987654321",
    )

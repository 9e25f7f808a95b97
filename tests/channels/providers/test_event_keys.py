"""Raw-event idempotency keys: a provider's retry of one delivery must map to the same key."""

from __future__ import annotations

import hashlib
import json

import pytest

from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.webchat.adapter import WebChatAdapter
from channels.providers.whatsapp.adapter import WhatsAppAdapter
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import build_inbound_text

from .payloads import fixture_bytes, fixture_json, fixture_names

whatsapp = WhatsAppAdapter()
telegram = TelegramAdapter()
webchat = WebChatAdapter()

CREDENTIALS = WhatsAppCredentials(
    phone_number_id="106540352242922",
    business_account_id="102290129340398",
    access_token="EAAtest",
    app_secret="secret",
    verify_token="verify",
)
SENT_WAMID = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="


def reserialized(body: bytes) -> bytes:
    """The same JSON with other whitespace and key order, as a re-sent request may have."""
    return json.dumps(json.loads(body), indent=4, sort_keys=True).encode()


@pytest.mark.req("6.5.1")
def test_whatsapp_message_and_status_keys_are_readable() -> None:
    assert whatsapp.event_key(fixture_bytes("whatsapp", "text")) == (
        "whatsapp:m:wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
    )
    assert (
        whatsapp.event_key(fixture_bytes("whatsapp", "status_sent"))
        == f"whatsapp:s:{SENT_WAMID}:sent:1750030073"
    )


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("name", fixture_names("whatsapp"))
def test_whatsapp_retries_of_the_same_delivery_share_a_key(name: str) -> None:
    body = fixture_bytes("whatsapp", name)

    assert whatsapp.event_key(body) == whatsapp.event_key(body)
    assert whatsapp.event_key(reserialized(body)) == whatsapp.event_key(body)


@pytest.mark.req("6.5.1")
def test_whatsapp_sent_delivered_and_read_of_one_message_are_three_events() -> None:
    keys = {
        whatsapp.event_key(fixture_bytes("whatsapp", name))
        for name in ("status_sent", "status_delivered", "status_read")
    }

    assert len(keys) == 3


@pytest.mark.req("6.5.1")
def test_whatsapp_distinct_deliveries_get_distinct_keys() -> None:
    first = build_inbound_text(CREDENTIALS, text="oi", message_id="wamid.A", timestamp=1750016800)
    second = build_inbound_text(CREDENTIALS, text="oi", message_id="wamid.B", timestamp=1750016800)
    first_again = build_inbound_text(
        CREDENTIALS, text="oi", message_id="wamid.A", timestamp=1750016800
    )

    assert whatsapp.event_key(first.body) != whatsapp.event_key(second.body)
    assert whatsapp.event_key(first.body) == whatsapp.event_key(first_again.body)
    assert whatsapp.event_key(fixture_bytes("whatsapp", "text")) != whatsapp.event_key(
        fixture_bytes("whatsapp", "status_failed")
    )


@pytest.mark.req("6.5.1")
def test_whatsapp_batches_are_keyed_by_all_their_items_in_any_order() -> None:
    payload = fixture_json("whatsapp", "status_sent")
    statuses = payload["entry"][0]["changes"][0]["value"]["statuses"]
    delivered = dict(statuses[0], status="delivered", timestamp="1750030081")
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [statuses[0], delivered]
    forward = json.dumps(payload).encode()
    payload["entry"][0]["changes"][0]["value"]["statuses"] = [delivered, statuses[0]]
    backward = json.dumps(payload).encode()

    key = whatsapp.event_key(forward)

    assert key.startswith("whatsapp:batch:")
    assert whatsapp.event_key(backward) == key


@pytest.mark.req("6.5.1")
def test_whatsapp_other_fields_are_keyed_by_content_hash() -> None:
    body = fixture_bytes("whatsapp", "message_template_status_update")
    change = fixture_json("whatsapp", "message_template_status_update")["entry"][0]["changes"][0]
    canonical = json.dumps(
        change, sort_keys=True, separators=(",", ":"), ensure_ascii=False
    ).encode()

    assert whatsapp.event_key(body) == f"whatsapp:x:{hashlib.sha256(canonical).hexdigest()}"


@pytest.mark.req("6.5.1")
def test_whatsapp_unreadable_bodies_fall_back_to_the_body_hash() -> None:
    body = b"\x00 not json"

    assert whatsapp.event_key(body) == f"whatsapp:body:{hashlib.sha256(body).hexdigest()}"


@pytest.mark.req("6.5.1")
def test_telegram_key_is_the_update_id_within_the_bot() -> None:
    body = fixture_bytes("telegram", "message_text")

    assert telegram.event_key(body, account_id="7000000001") == "telegram:7000000001:10000"
    assert (
        telegram.event_key(reserialized(body), account_id="7000000001")
        == "telegram:7000000001:10000"
    )
    # Two bots number their updates independently.
    assert telegram.event_key(body, account_id="7000000002") == "telegram:7000000002:10000"


@pytest.mark.req("6.5.1")
def test_webchat_key_is_the_widgets_client_message_id_within_channel_and_visitor() -> None:
    body = fixture_bytes("webchat", "message_text")

    key = webchat.event_key(body)

    assert key == "webchat:ck_prefeitura_demo:v_Q2hhdmVEZVZpc2l0YW50ZQ:c-5f0c9a1e2b7d4e31a8c2"
    assert webchat.event_key(reserialized(body)) == key

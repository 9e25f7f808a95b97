"""WhatsApp webhook bodies (Meta's published examples) parse into the canonical events."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from typing import Any

import pytest

from channels.providers.base import (
    ContactPhone,
    InboundMessage,
    InteractiveReply,
    Location,
    MediaRef,
    MessageKind,
    MessageStatus,
    ParsedEvent,
    Reaction,
    SharedContact,
    StatusUpdate,
    UnknownEvent,
)
from channels.providers.errors import MalformedPayload
from channels.providers.whatsapp.adapter import WhatsAppAdapter

from .payloads import fixture_bytes, fixture_json

PHONE_NUMBER_ID = "106540352242922"
WAMID_A = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTRBNjU5OUFFRTAzODEwMTQ0RgA="
WAMID_B = "wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQUFERjg0NDEzNDdFODU3MUMxMAA="
CONTEXT_ID = "wamid.HBgLMTQxMjU1NTA4MjkVAgASGBQzQUNCNjk5RDUwNUZGMUZEM0VBRAA="
LOOKASIDE = "https://lookaside.fbsbx.com/whatsapp_business/attachments/?mid=133..."

adapter = WhatsAppAdapter()


def first_message(name: str) -> dict[str, Any]:
    payload = fixture_json("whatsapp", name)
    message: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]["messages"][0]
    return message


def first_status(name: str) -> dict[str, Any]:
    payload = fixture_json("whatsapp", name)
    status: dict[str, Any] = payload["entry"][0]["changes"][0]["value"]["statuses"][0]
    return status


def citizen(name: str, **fields: Any) -> InboundMessage:
    """Expected message from Meta's sample citizen, Sheena Nelson (+1 650 555 1234)."""
    defaults: dict[str, Any] = {
        "provider": "whatsapp",
        "account_id": PHONE_NUMBER_ID,
        "sender_id": "16505551234",
        "sender_name": "Sheena Nelson",
        "sender_phone": "+16505551234",
        "raw": first_message(name),
    }
    return InboundMessage(**(defaults | fields))


EXPECTED_MESSAGES: dict[str, InboundMessage] = {
    "text": citizen(
        "text",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 6, 8, 20, 59, 43, tzinfo=UTC),
        kind=MessageKind.TEXT,
        text="Does it come in another color?",
    ),
    "text_product_enquiry": citizen(
        "text_product_enquiry",
        provider_message_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTA2NTUwRkNEMDdFQjJCRUU0NQA=",
        timestamp=datetime(2025, 6, 15, 19, 46, 40, tzinfo=UTC),
        kind=MessageKind.TEXT,
        text="Is this still available?",
        reply_to="wamid.HBgLMTY1MDM4Nzk0MzkVAgARGA9wcm9kdWN0X2lucXVpcnkA",
    ),
    "image": citizen(
        "image",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.IMAGE,
        text="Taj Mahal",
        media=MediaRef(
            provider_media_id="1003383421387256",
            mime_type="image/jpeg",
            sha256="SfInY0gGKTsJlUWbwxC1k+FAD0FZHvzwfpvO0zX0GUI=",
            caption="Taj Mahal",
        ),
    ),
    "audio": citizen(
        "audio",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.AUDIO,
        media=MediaRef(
            provider_media_id="1908647269898587",
            mime_type="audio/ogg; codecs=opus",
            sha256="wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=",
            voice=True,
        ),
    ),
    "video": citizen(
        "video",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.VIDEO,
        text="Timelapse of growth",
        media=MediaRef(
            provider_media_id="731675419373506",
            mime_type="video/mp4",
            sha256="vdGU5X4caz12KwFgYwpljlUNqMt1YnkH+5GkPc3mMnc=",
            caption="Timelapse of growth",
        ),
    ),
    "document": citizen(
        "document",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.DOCUMENT,
        text="my receipt",
        media=MediaRef(
            provider_media_id="622684793477189",
            mime_type="application/pdf",
            filename="receipt.pdf",
            sha256="V5OPpLD/gEG6Xjg0MbmQDLFgcKsL+j5LfY4ny/pZ4MY=",
            caption="my receipt",
        ),
    ),
    "sticker": citizen(
        "sticker",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.STICKER,
        media=MediaRef(
            provider_media_id="1908647269898587",
            mime_type="image/webp",
            sha256="wvqXMe6n7n1W0zphvLPoLj+s/NtKqmr3zZ7YzTP7xFI=",
        ),
    ),
    "location": citizen(
        "location",
        provider_message_id=WAMID_B,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.LOCATION,
        location=Location(
            latitude=37.44221496582,
            longitude=-122.16165924072,
            name="Philz Coffee",
            address="101 Forest Ave, Palo Alto, CA 94301",
            url="https://philzcoffee.com/",
        ),
    ),
    "contacts": citizen(
        "contacts",
        provider_message_id=WAMID_A,
        timestamp=datetime(2025, 4, 11, 4, 8, 16, tzinfo=UTC),
        kind=MessageKind.CONTACTS,
        contacts=(
            SharedContact(
                formatted_name="Barbara J. Johnson",
                first_name="Barbara",
                last_name="Johnson",
                phones=(
                    ContactPhone(phone="+1 (415) 555-0829", wa_id="14125550829", type="MOBILE"),
                ),
                organization="Social Tsunami",
            ),
        ),
    ),
    "interactive_button_reply": citizen(
        "interactive_button_reply",
        provider_message_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgASGBQzQTZBQzg0MzQ4QjRCM0NGNkVGOAA=",
        timestamp=datetime(2025, 6, 15, 22, 5, 36, tzinfo=UTC),
        kind=MessageKind.INTERACTIVE,
        text="Cancel",
        reply_to="wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI3MEM2RUJFNkI0RENGQTVDRjUA",
        interactive=InteractiveReply(id="cancel-button", title="Cancel", type="button_reply"),
    ),
    "interactive_list_reply": citizen(
        "interactive_list_reply",
        provider_message_id=WAMID_B,
        timestamp=datetime(2025, 6, 13, 22, 42, 55, tzinfo=UTC),
        kind=MessageKind.INTERACTIVE,
        text="Priority Mail Express",
        reply_to=CONTEXT_ID,
        interactive=InteractiveReply(
            id="priority_express",
            title="Priority Mail Express",
            type="list_reply",
            description="Next Day to 2 Days",
        ),
    ),
    "button": citizen(
        "button",
        provider_message_id=WAMID_B,
        timestamp=datetime(2025, 6, 16, 16, 24, 5, tzinfo=UTC),
        kind=MessageKind.BUTTON,
        text="Unsubscribe",
        reply_to=CONTEXT_ID,
        interactive=InteractiveReply(id="Unsubscribe", title="Unsubscribe", type="button"),
    ),
    "reaction": citizen(
        "reaction",
        provider_message_id=WAMID_B,
        timestamp=datetime(2025, 6, 8, 21, 52, 24, tzinfo=UTC),
        kind=MessageKind.REACTION,
        reaction=Reaction(message_id=CONTEXT_ID, emoji="\U0001f600"),
    ),
    "reaction_removed": citizen(
        "reaction_removed",
        provider_message_id=WAMID_B,
        timestamp=datetime(2025, 6, 8, 21, 52, 24, tzinfo=UTC),
        kind=MessageKind.REACTION,
        reaction=Reaction(message_id=CONTEXT_ID, emoji=None),
    ),
    "unsupported": citizen(
        "unsupported",
        provider_message_id=WAMID_B,
        timestamp=datetime(2025, 6, 16, 16, 18, 22, tzinfo=UTC),
        kind=MessageKind.UNSUPPORTED,
    ),
}


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("name", sorted(EXPECTED_MESSAGES))
def test_every_message_fixture_parses_to_its_canonical_message(name: str) -> None:
    # Given Meta's published example webhook for this message type
    body = fixture_bytes("whatsapp", name)

    # When it is parsed
    parsed = adapter.parse(body)

    # Then exactly one message comes out, equal field by field to the expectation
    assert parsed == ParsedEvent(messages=(EXPECTED_MESSAGES[name],))


EXPECTED_STATUSES: dict[str, StatusUpdate] = {
    "status_sent": StatusUpdate(
        provider="whatsapp",
        account_id=PHONE_NUMBER_ID,
        provider_message_id=WAMID_B,
        status=MessageStatus.SENT,
        timestamp=datetime(2025, 6, 15, 23, 27, 53, tzinfo=UTC),
        recipient_id="16505551234",
        pricing={
            "billable": True,
            "pricing_model": "PMP",
            "type": "regular",
            "category": "marketing",
        },
        conversation={
            "id": "72b14d6bd5407799e66f64d1b338e567",
            "expiration_timestamp": "1750116480",
            "origin": {"type": "marketing"},
        },
        raw=first_status("status_sent"),
    ),
    "status_delivered": StatusUpdate(
        provider="whatsapp",
        account_id=PHONE_NUMBER_ID,
        provider_message_id=WAMID_B,
        status=MessageStatus.DELIVERED,
        timestamp=datetime(2025, 6, 15, 23, 28, 1, tzinfo=UTC),
        recipient_id="16505551234",
        pricing={
            "billable": True,
            "pricing_model": "PMP",
            "type": "regular",
            "category": "marketing",
        },
        conversation={"id": "72b14d6bd5407799e66f64d1b338e567", "origin": {"type": "marketing"}},
        raw=first_status("status_delivered"),
    ),
    "status_read": StatusUpdate(
        provider="whatsapp",
        account_id=PHONE_NUMBER_ID,
        provider_message_id=WAMID_B,
        status=MessageStatus.READ,
        timestamp=datetime(2025, 6, 15, 23, 28, 15, tzinfo=UTC),
        recipient_id="16505551234",
        raw=first_status("status_read"),
    ),
    "status_failed": StatusUpdate(
        provider="whatsapp",
        account_id=PHONE_NUMBER_ID,
        provider_message_id="wamid.HBgLMTY1MDM4Nzk0MzkVAgARGBI0QUQ2MjA4NEYyRkExNjMyREUA",
        status=MessageStatus.FAILED,
        timestamp=datetime(2025, 6, 28, 20, 34, 48, tzinfo=UTC),
        recipient_id="16505551234",
        error_code="131049",
        error_title="This message was not delivered to maintain healthy ecosystem engagement.",
        error_detail="In order to maintain a healthy ecosystem engagement, the message failed to be delivered.",
        raw=first_status("status_failed"),
    ),
}


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("name", sorted(EXPECTED_STATUSES))
def test_every_status_fixture_parses_to_its_status_update(name: str) -> None:
    parsed = adapter.parse(fixture_bytes("whatsapp", name))

    assert parsed == ParsedEvent(statuses=(EXPECTED_STATUSES[name],))


@pytest.mark.req("6.5.1")
def test_other_webhook_fields_are_recorded_as_unknown_events() -> None:
    # Given a template-status webhook, which is not a message
    payload = fixture_json("whatsapp", "message_template_status_update")

    parsed = adapter.parse(fixture_bytes("whatsapp", "message_template_status_update"))

    # Then it is kept whole as an unknown event of that field, attributed to the WABA
    assert parsed == ParsedEvent(
        unknown=(
            UnknownEvent(
                provider="whatsapp",
                event_type="message_template_status_update",
                raw=payload["entry"][0]["changes"][0],
                account_id="102290129340398",
            ),
        )
    )


def _with_value(**value: Any) -> bytes:
    return json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [
                {
                    "id": "102290129340398",
                    "changes": [
                        {
                            "field": "messages",
                            "value": {
                                "messaging_product": "whatsapp",
                                "metadata": {
                                    "display_phone_number": "15550783881",
                                    "phone_number_id": PHONE_NUMBER_ID,
                                },
                                **value,
                            },
                        }
                    ],
                }
            ],
        }
    ).encode()


@pytest.mark.req("6.5.1")
def test_unmapped_statuses_and_value_errors_are_recorded_not_dropped() -> None:
    played = {
        "id": WAMID_B,
        "status": "played",
        "timestamp": "1750030100",
        "recipient_id": "16505551234",
    }
    errors = [{"code": 131000, "title": "Something went wrong", "message": "Something went wrong"}]

    parsed = adapter.parse(_with_value(statuses=[played], errors=errors))

    assert parsed == ParsedEvent(
        unknown=(
            UnknownEvent(
                provider="whatsapp",
                event_type="status.played",
                raw=played,
                account_id=PHONE_NUMBER_ID,
            ),
            UnknownEvent(
                provider="whatsapp",
                event_type="messages.errors",
                raw={"errors": errors},
                account_id=PHONE_NUMBER_ID,
            ),
        )
    )


@pytest.mark.req("6.5.1")
def test_a_message_type_we_do_not_map_still_reaches_the_agent_as_unsupported() -> None:
    order = {
        "from": "5511987654321",
        "id": "wamid.ORDER",
        "timestamp": "1750016800",
        "type": "order",
        "order": {"catalog_id": "1", "product_items": []},
    }

    parsed = adapter.parse(_with_value(messages=[order]))

    assert parsed == ParsedEvent(
        messages=(
            InboundMessage(
                provider="whatsapp",
                account_id=PHONE_NUMBER_ID,
                provider_message_id="wamid.ORDER",
                sender_id="5511987654321",
                sender_phone="+5511987654321",
                timestamp=datetime(2025, 6, 15, 19, 46, 40, tzinfo=UTC),
                kind=MessageKind.UNSUPPORTED,
                raw=order,
            ),
        )
    )


@pytest.mark.req("6.5.1")
def test_account_ids_name_the_phone_number_the_webhook_is_for() -> None:
    assert adapter.account_ids(fixture_bytes("whatsapp", "text")) == (PHONE_NUMBER_ID,)
    assert adapter.account_ids(fixture_bytes("whatsapp", "message_template_status_update")) == ()


MALFORMED = {
    "not json": b"{not json",
    "json array": b"[]",
    "other object": json.dumps({"object": "page", "entry": []}).encode(),
    "no entries": json.dumps({"object": "whatsapp_business_account", "entry": []}).encode(),
    "entry not a list": json.dumps({"object": "whatsapp_business_account", "entry": {}}).encode(),
    "no metadata": json.dumps(
        {
            "object": "whatsapp_business_account",
            "entry": [{"id": "1", "changes": [{"field": "messages", "value": {"messages": []}}]}],
        }
    ).encode(),
    "message without id": _with_value(
        messages=[{"from": "1", "timestamp": "1", "type": "text", "text": {"body": "x"}}]
    ),
    "bad timestamp": _with_value(
        messages=[
            {
                "from": "1",
                "id": "wamid.X",
                "timestamp": "yesterday",
                "type": "text",
                "text": {"body": "x"},
            }
        ]
    ),
    "location without coordinates": _with_value(
        messages=[
            {"from": "1", "id": "wamid.X", "timestamp": "1", "type": "location", "location": {}}
        ]
    ),
}


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_bodies_raise_malformed_payload(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        adapter.parse(body)

"""Telegram updates (the Bot API documentation's examples) parse into the canonical events."""

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
    ParsedEvent,
    SharedContact,
    UnknownEvent,
)
from channels.providers.errors import InvalidSignature, MalformedPayload
from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.telegram.credentials import TelegramCredentials
from channels.providers.telegram.simulator import (
    build_update_callback,
    build_update_photo,
    build_update_text,
)

from .payloads import fixture_bytes, fixture_json

BOT_ID = "7000000001"
SENT = datetime(2015, 9, 7, 17, 5, 32, tzinfo=UTC)
PARSED_AT = datetime(2026, 3, 2, 12, 30, tzinfo=UTC)
FILE_ID = "AwADBAADbXXXXXXXXXXXGBdhD2l6_XX"

adapter = TelegramAdapter(clock=lambda: PARSED_AT)


def doc_message(name: str, **fields: Any) -> InboundMessage:
    """Expected message from the guide's sample user 1111111 ("Test Firstname Test Lastname")."""
    defaults: dict[str, Any] = {
        "provider": "telegram",
        "account_id": BOT_ID,
        "provider_message_id": "1111111:1365",
        "sender_id": "1111111",
        "sender_name": "Test Firstname Test Lastname",
        "timestamp": SENT,
        "raw": fixture_json("telegram", name)["message"],
    }
    return InboundMessage(**(defaults | fields))


EXPECTED: dict[str, InboundMessage] = {
    "message_text": doc_message("message_text", kind=MessageKind.TEXT, text="/start"),
    "message_reply": doc_message(
        "message_reply", kind=MessageKind.TEXT, text="/start", reply_to="1111111:1334"
    ),
    "message_forwarded": doc_message(
        "message_forwarded", kind=MessageKind.TEXT, text="/start", forwarded=True
    ),
    "message_audio": doc_message(
        "message_audio",
        kind=MessageKind.AUDIO,
        media=MediaRef(provider_media_id=FILE_ID, mime_type="audio/mpeg", size=3897500),
    ),
    "message_voice": doc_message(
        "message_voice",
        kind=MessageKind.AUDIO,
        media=MediaRef(provider_media_id=FILE_ID, mime_type="audio/ogg", size=23000, voice=True),
    ),
    "message_document": doc_message(
        "message_document",
        kind=MessageKind.DOCUMENT,
        media=MediaRef(
            provider_media_id=FILE_ID,
            mime_type="application/pdf",
            filename="Testfile.pdf",
            size=536392,
        ),
    ),
    "message_photo": doc_message(
        "message_photo",
        kind=MessageKind.IMAGE,
        text="Buraco na Rua das Flores",
        media=MediaRef(
            provider_media_id="AgACAgEAAxkBAAIBZ2VwAAFlarge",
            mime_type="image/jpeg",
            caption="Buraco na Rua das Flores",
            size=84013,
        ),
    ),
    "message_video": doc_message(
        "message_video",
        kind=MessageKind.VIDEO,
        media=MediaRef(
            provider_media_id="BAACAgEAAxkBAAIBaGVwAAFvideo",
            mime_type="video/mp4",
            filename="alagamento.mp4",
            size=2456789,
        ),
    ),
    "message_sticker": doc_message(
        "message_sticker",
        kind=MessageKind.STICKER,
        text="\U0001f44d",
        media=MediaRef(
            provider_media_id="CAACAgIAAxkBAAIBaWVwAAFsticker", mime_type="image/webp", size=18340
        ),
    ),
    "message_location": doc_message(
        "message_location",
        kind=MessageKind.LOCATION,
        location=Location(latitude=-23.55052, longitude=-46.633308),
    ),
    "message_contact": doc_message(
        "message_contact",
        kind=MessageKind.CONTACTS,
        sender_phone="+5511987654321",
        contacts=(
            SharedContact(
                formatted_name="Test Firstname Test Lastname",
                first_name="Test Firstname",
                last_name="Test Lastname",
                phones=(ContactPhone(phone="+5511987654321"),),
                user_id="1111111",
            ),
        ),
    ),
}


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("name", sorted(EXPECTED))
def test_every_message_fixture_parses_to_its_canonical_message(name: str) -> None:
    parsed = adapter.parse(fixture_bytes("telegram", name), account_id=BOT_ID)

    assert parsed == ParsedEvent(messages=(EXPECTED[name],))


@pytest.mark.req("6.5.1")
def test_a_callback_query_is_an_interactive_reply() -> None:
    payload = fixture_json("telegram", "callback_query")

    parsed = adapter.parse(fixture_bytes("telegram", "callback_query"), account_id=BOT_ID)

    assert parsed == ParsedEvent(
        messages=(
            InboundMessage(
                provider="telegram",
                account_id=BOT_ID,
                provider_message_id="callback:4382bfdwdsb323b2d9",
                sender_id="1111111",
                sender_name="Test Firstname Test Lastname",
                timestamp=PARSED_AT,  # Telegram sends no time for a button press
                kind=MessageKind.INTERACTIVE,
                text="Data from button callback",
                interactive=InteractiveReply(
                    id="Data from button callback", title=None, type="callback_query"
                ),
                raw=payload["callback_query"],
            ),
        )
    )


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("name", "event_type"), [("edited_message", "edited_message"), ("inline_query", "inline_query")]
)
def test_edits_and_other_update_types_are_recorded_as_unknown(name: str, event_type: str) -> None:
    parsed = adapter.parse(fixture_bytes("telegram", name), account_id=BOT_ID)

    assert parsed == ParsedEvent(
        unknown=(
            UnknownEvent(
                provider="telegram",
                event_type=event_type,
                raw=fixture_json("telegram", name),
                account_id=BOT_ID,
            ),
        )
    )


@pytest.mark.req("6.5.1")
def test_a_message_with_content_we_do_not_map_is_unsupported() -> None:
    update = json.loads(fixture_bytes("telegram", "message_text"))
    del update["message"]["text"]
    update["message"]["dice"] = {"emoji": "🎲", "value": 4}

    parsed = adapter.parse(json.dumps(update).encode(), account_id=BOT_ID)

    assert [(m.kind, m.text, m.provider_message_id) for m in parsed.messages] == [
        (MessageKind.UNSUPPORTED, None, "1111111:1365")
    ]


MALFORMED = {
    "not json": b"update_id=1",
    "json list": b"[1]",
    "no update_id": json.dumps(
        {"message": {"message_id": 1, "chat": {"id": 1}, "date": 1, "text": "x"}}
    ).encode(),
    "string update_id": json.dumps({"update_id": "1", "message": {}}).encode(),
    "message without chat": json.dumps(
        {"update_id": 1, "message": {"message_id": 1, "date": 1, "text": "x"}}
    ).encode(),
    "message without date": json.dumps(
        {"update_id": 1, "message": {"message_id": 1, "chat": {"id": 1}, "text": "x"}}
    ).encode(),
    "callback without id": json.dumps(
        {"update_id": 1, "callback_query": {"from": {"id": 1}, "data": "x"}}
    ).encode(),
}


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("body", MALFORMED.values(), ids=MALFORMED.keys())
def test_malformed_updates_raise_malformed_payload(body: bytes) -> None:
    with pytest.raises(MalformedPayload):
        adapter.parse(body, account_id=BOT_ID)


@pytest.mark.req("6.5.1")
def test_the_bot_id_must_be_given_since_updates_do_not_carry_it() -> None:
    with pytest.raises(ValueError, match="account_id"):
        adapter.parse(fixture_bytes("telegram", "message_text"))


CREDENTIALS = TelegramCredentials(
    bot_token=f"{BOT_ID}:AAE-token", secret_token="s3cr3t_Token-value"
)


@pytest.mark.req("6.5.1")
def test_the_secret_token_header_is_checked() -> None:
    body = fixture_bytes("telegram", "message_text")

    adapter.verify({"X-Telegram-Bot-Api-Secret-Token": "s3cr3t_Token-value"}, body, CREDENTIALS)
    adapter.verify({"x-telegram-bot-api-secret-token": "s3cr3t_Token-value"}, body, CREDENTIALS)


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("headers", "credentials"),
    [
        ({}, CREDENTIALS),
        ({"X-Telegram-Bot-Api-Secret-Token": "s3cr3t_Token-valuX"}, CREDENTIALS),
        ({"X-Telegram-Bot-Api-Secret-Token": ""}, CREDENTIALS),
        (
            {"X-Telegram-Bot-Api-Secret-Token": ""},
            TelegramCredentials(bot_token="1:a", secret_token=""),
        ),
    ],
    ids=["missing", "wrong", "empty", "bot without secret"],
)
def test_requests_without_the_right_secret_are_refused(
    headers: dict[str, str], credentials: TelegramCredentials
) -> None:
    with pytest.raises(InvalidSignature):
        adapter.verify(headers, fixture_bytes("telegram", "message_text"), credentials)


@pytest.mark.req("6.5.1")
def test_simulator_builders_produce_updates_the_adapter_accepts() -> None:
    text = build_update_text(
        CREDENTIALS,
        text="Olá, prefeitura",
        chat_id=42,
        update_id=500,
        message_id=7,
        date=1441645532,
    )
    photo = build_update_photo(
        CREDENTIALS, file_id="PHOTO-FILE", caption="Poste apagado", update_id=501
    )
    callback = build_update_callback(
        CREDENTIALS, data="menu:iptu", button_text="IPTU", chat_id=42, update_id=502
    )

    for delivery in (text, photo, callback):
        adapter.verify(delivery.headers, delivery.body, CREDENTIALS)
    messages = [
        adapter.parse(d.body, account_id=BOT_ID).messages[0] for d in (text, photo, callback)
    ]

    assert [(m.kind, m.provider_message_id.split(":")[0], m.text) for m in messages] == [
        (MessageKind.TEXT, "42", "Olá, prefeitura"),
        (MessageKind.IMAGE, "5511987654", "Poste apagado"),
        (MessageKind.INTERACTIVE, "callback", "IPTU"),
    ]
    assert messages[1].media is not None and messages[1].media.provider_media_id == "PHOTO-FILE"
    assert messages[2].interactive == InteractiveReply(
        id="menu:iptu", title="IPTU", type="callback_query"
    )
    assert (messages[2].sender_id, messages[2].reply_to) == ("42", "42:1001")

"""Turn a Telegram Bot API `Update` into provider-neutral events.

Choices worth knowing:

- Ids. Telegram numbers messages per chat, so a bare `message_id` repeats across citizens. Our
  `provider_message_id` is `"<chat id>:<message id>"` (and `reply_to` likewise); a callback query
  is `"callback:<callback query id>"`, which Telegram makes globally unique.
- The bot. An update does not say which bot it was sent to; the intake knows it from the webhook
  URL and passes it as `account_id` (the numeric bot id).
- Edits. `edited_message` is recorded as an `UnknownEvent`, not as a new message: the
  conversation keeps what the citizen first sent, exactly as WhatsApp reports edits (as an
  `unsupported` message). The raw update stays available to whoever wants to show it.
- Button presses (`callback_query`) become `interactive` messages. Telegram sends no time for
  them, so the adapter's clock at parse time stands in.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import datetime
from typing import Any

from channels.providers.base import (
    ContactPhone,
    InboundMessage,
    InteractiveReply,
    Location,
    MediaRef,
    MessageKind,
    ParsedEvent,
    Provider,
    SharedContact,
    UnknownEvent,
)
from channels.providers.errors import MalformedPayload
from channels.providers.normalize import (
    load_json_object,
    optional_str,
    sub_object,
    to_e164,
    unix_to_utc,
)

PROVIDER = Provider.TELEGRAM.value

# Telegram re-encodes every `photo` as JPEG; other files keep the sender's type.
PHOTO_MIME_TYPE = "image/jpeg"
_STICKER_MIME_TYPES = {
    "animated": "application/x-tgsticker",
    "video": "video/webm",
    "static": "image/webp",
}


def _require_account(account_id: str | None) -> str:
    if not account_id:
        raise ValueError("Telegram updates do not carry the bot id; pass account_id")
    return account_id


def _update_id(update: Mapping[str, Any]) -> int:
    value = update.get("update_id")
    if isinstance(value, bool) or not isinstance(value, int):
        raise MalformedPayload("update_id must be an integer")
    return value


def account_ids(body: bytes, account_id: str | None) -> tuple[str, ...]:
    return (_require_account(account_id),)


def event_key(body: bytes, account_id: str | None) -> str:
    """`update_id` is Telegram's own event id, unique per bot and repeated on redelivery."""
    return f"{PROVIDER}:{_require_account(account_id)}:{_update_id(load_json_object(body))}"


def parse(body: bytes, account_id: str | None, clock: Callable[[], datetime]) -> ParsedEvent:
    bot_id = _require_account(account_id)
    update = load_json_object(body)
    _update_id(update)
    if isinstance(update.get("message"), dict):
        return ParsedEvent(messages=(_message(update["message"], bot_id),))
    if isinstance(update.get("callback_query"), dict):
        return ParsedEvent(messages=(_callback(update["callback_query"], bot_id, clock),))
    kinds = [key for key in update if key != "update_id"]
    return ParsedEvent(
        unknown=(
            UnknownEvent(
                provider=PROVIDER,
                event_type=kinds[0] if kinds else "empty_update",
                raw=update,
                account_id=bot_id,
            ),
        )
    )


def _chat_id(message: Mapping[str, Any]) -> str:
    chat = message.get("chat")
    if not isinstance(chat, dict) or chat.get("id") is None:
        raise MalformedPayload("message.chat.id is required")
    return str(chat["id"])


def _full_name(person: Mapping[str, Any] | None) -> str | None:
    if not person:
        return None
    name = " ".join(
        str(part) for part in (person.get("first_name"), person.get("last_name")) if part
    )
    return name or optional_str(person.get("title")) or optional_str(person.get("username"))


def _file(media: Mapping[str, Any], where: str) -> str:
    file_id = media.get("file_id")
    if not file_id:
        raise MalformedPayload(f"{where}.file_id is required")
    return str(file_id)


def _size(media: Mapping[str, Any]) -> int | None:
    value = media.get("file_size")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _message(message: dict[str, Any], bot_id: str) -> InboundMessage:
    chat_id = _chat_id(message)
    message_id = message.get("message_id")
    if message_id is None:
        raise MalformedPayload("message.message_id is required")
    sender = message.get("from") if isinstance(message.get("from"), dict) else None
    replied = message.get("reply_to_message")
    caption = optional_str(message.get("caption"))
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "account_id": bot_id,
        "provider_message_id": f"{chat_id}:{message_id}",
        "sender_id": chat_id,
        "sender_name": _full_name(sender) or _full_name(message.get("chat")),
        "timestamp": unix_to_utc(message.get("date")),
        "reply_to": (
            f"{chat_id}:{replied['message_id']}"
            if isinstance(replied, dict) and replied.get("message_id") is not None
            else None
        ),
        "forwarded": any(
            key in message
            for key in ("forward_origin", "forward_from", "forward_from_chat", "forward_date")
        ),
        "raw": message,
    }

    if "text" in message:
        return InboundMessage(kind=MessageKind.TEXT, text=str(message["text"]), **common)

    photos = message.get("photo")
    if isinstance(photos, list) and photos:
        # Telegram sends several sizes of the same photo; keep the largest.
        largest = max(
            (size for size in photos if isinstance(size, dict)),
            key=lambda size: (
                int(size.get("width", 0)) * int(size.get("height", 0)),
                _size(size) or 0,
            ),
        )
        return InboundMessage(
            kind=MessageKind.IMAGE,
            text=caption,
            media=MediaRef(
                provider_media_id=_file(largest, "message.photo[]"),
                mime_type=PHOTO_MIME_TYPE,
                caption=caption,
                size=_size(largest),
            ),
            **common,
        )

    for key, kind, voice in (
        ("voice", MessageKind.AUDIO, True),
        ("audio", MessageKind.AUDIO, False),
        ("video", MessageKind.VIDEO, False),
        ("video_note", MessageKind.VIDEO, False),
        ("document", MessageKind.DOCUMENT, False),
    ):
        media = message.get(key)
        if isinstance(media, dict):
            mime_type = optional_str(media.get("mime_type"))
            if key == "video_note":
                mime_type = mime_type or "video/mp4"
            return InboundMessage(
                kind=kind,
                text=caption,
                media=MediaRef(
                    provider_media_id=_file(media, f"message.{key}"),
                    mime_type=mime_type,
                    filename=optional_str(media.get("file_name")),
                    caption=caption,
                    size=_size(media),
                    voice=voice,
                ),
                **common,
            )

    sticker = message.get("sticker")
    if isinstance(sticker, dict):
        variant = (
            "animated"
            if sticker.get("is_animated")
            else "video"
            if sticker.get("is_video")
            else "static"
        )
        return InboundMessage(
            kind=MessageKind.STICKER,
            text=optional_str(sticker.get("emoji")),
            media=MediaRef(
                provider_media_id=_file(sticker, "message.sticker"),
                mime_type=_STICKER_MIME_TYPES[variant],
                size=_size(sticker),
            ),
            **common,
        )

    location = message.get("location")
    if isinstance(location, dict):
        venue = sub_object(message, "venue")
        try:
            latitude = float(location["latitude"])
            longitude = float(location["longitude"])
        except (KeyError, TypeError, ValueError) as error:
            raise MalformedPayload(
                "message.location needs numeric latitude and longitude"
            ) from error
        return InboundMessage(
            kind=MessageKind.LOCATION,
            location=Location(
                latitude=latitude,
                longitude=longitude,
                name=optional_str(venue.get("title")),
                address=optional_str(venue.get("address")),
            ),
            **common,
        )

    contact = message.get("contact")
    if isinstance(contact, dict):
        phone = str(contact.get("phone_number") or "")
        user_id = optional_str(contact.get("user_id"))
        card = SharedContact(
            formatted_name=_full_name(contact) or phone,
            first_name=optional_str(contact.get("first_name")),
            last_name=optional_str(contact.get("last_name")),
            phones=(ContactPhone(phone=phone),) if phone else (),
            user_id=user_id,
        )
        # A citizen sharing their own card ("share my phone number") tells us their number.
        own_card = sender is not None and user_id is not None and user_id == str(sender.get("id"))
        if own_card:
            common["sender_phone"] = to_e164(phone)
        return InboundMessage(kind=MessageKind.CONTACTS, contacts=(card,), **common)

    return InboundMessage(kind=MessageKind.UNSUPPORTED, text=caption, **common)


def _button_title(message: Mapping[str, Any] | None, data: str) -> str | None:
    """The label of the inline button whose callback_data was pressed, from the bot's message."""
    if not message:
        return None
    markup = message.get("reply_markup")
    rows = markup.get("inline_keyboard") if isinstance(markup, dict) else None
    for row in rows or []:
        for button in row if isinstance(row, list) else []:
            if isinstance(button, dict) and button.get("callback_data") == data:
                return optional_str(button.get("text"))
    return None


def _callback(
    callback: dict[str, Any], bot_id: str, clock: Callable[[], datetime]
) -> InboundMessage:
    callback_id = callback.get("id")
    if not callback_id:
        raise MalformedPayload("callback_query.id is required")
    sender = callback.get("from")
    if not isinstance(sender, dict) or sender.get("id") is None:
        raise MalformedPayload("callback_query.from.id is required")
    message = callback.get("message") if isinstance(callback.get("message"), dict) else None
    chat_id = _chat_id(message) if message else str(sender["id"])
    data = optional_str(callback.get("data"))
    title = _button_title(message, data) if data is not None else None
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "account_id": bot_id,
        "provider_message_id": f"callback:{callback_id}",
        "sender_id": chat_id,
        "sender_name": _full_name(sender),
        "timestamp": clock(),
        "reply_to": (
            f"{chat_id}:{message['message_id']}"
            if message and message.get("message_id") is not None
            else None
        ),
        "raw": callback,
    }
    if data is None:
        # Game callbacks carry `game_short_name` instead of data; nothing to route on.
        return InboundMessage(kind=MessageKind.UNSUPPORTED, **common)
    return InboundMessage(
        kind=MessageKind.INTERACTIVE,
        text=title or data,
        interactive=InteractiveReply(id=data, title=title, type="callback_query"),
        **common,
    )

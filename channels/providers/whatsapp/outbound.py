"""Request bodies for `POST /{phone-number-id}/messages` and the media types Meta accepts."""

from __future__ import annotations

from typing import Any

from channels.providers.base import (
    MessageKind,
    OutboundMedia,
    OutboundMessage,
    OutboundTemplate,
    OutboundText,
    Provider,
)
from channels.providers.errors import MediaTypeNotAllowed

# Cloud API "supported media types" table; anything else is refused by Meta after the fact, so
# we refuse it before the message is queued.
SUPPORTED_MIME_TYPES: dict[MessageKind, frozenset[str]] = {
    MessageKind.AUDIO: frozenset(
        {"audio/aac", "audio/amr", "audio/mpeg", "audio/mp4", "audio/ogg"}
    ),
    MessageKind.DOCUMENT: frozenset(
        {
            "text/plain",
            "application/pdf",
            "application/msword",
            "application/vnd.ms-excel",
            "application/vnd.ms-powerpoint",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "application/vnd.openxmlformats-officedocument.presentationml.presentation",
        }
    ),
    MessageKind.IMAGE: frozenset({"image/jpeg", "image/png"}),
    MessageKind.STICKER: frozenset({"image/webp"}),
    MessageKind.VIDEO: frozenset({"video/3gpp", "video/mp4"}),
}
# Meta rejects a caption on these kinds.
_NO_CAPTION = frozenset({MessageKind.AUDIO, MessageKind.STICKER})


def base_mime_type(mime_type: str) -> str:
    """`audio/ogg; codecs=opus` -> `audio/ogg`."""
    return mime_type.split(";", 1)[0].strip().lower()


def check_media(message: OutboundMedia) -> None:
    if message.mime_type is None:
        return
    mime = base_mime_type(message.mime_type)
    if mime not in SUPPORTED_MIME_TYPES[message.kind]:
        raise MediaTypeNotAllowed(
            provider=Provider.WHATSAPP.value,
            code="unsupported_media_type",
            title=f"{mime} cannot be sent as {message.kind}",
            detail="accepted: " + ", ".join(sorted(SUPPORTED_MIME_TYPES[message.kind])),
        )


def message_payload(to: str, message: OutboundMessage) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": to,
    }
    if isinstance(message, OutboundText):
        payload["type"] = "text"
        payload["text"] = {"preview_url": message.preview_url, "body": message.body}
    elif isinstance(message, OutboundMedia):
        check_media(message)
        if message.caption and message.kind in _NO_CAPTION:
            raise ValueError(f"WhatsApp does not accept a caption on {message.kind}")
        media: dict[str, Any] = (
            {"id": message.media_id} if message.media_id is not None else {"link": message.link}
        )
        if message.caption:
            media["caption"] = message.caption
        if message.filename and message.kind == MessageKind.DOCUMENT:
            media["filename"] = message.filename
        payload["type"] = str(message.kind)
        payload[str(message.kind)] = media
    elif isinstance(message, OutboundTemplate):
        template: dict[str, Any] = {"name": message.name, "language": {"code": message.language}}
        if message.components:
            template["components"] = [dict(component) for component in message.components]
        payload["type"] = "template"
        payload["template"] = template
    else:
        raise TypeError(f"cannot send {type(message).__name__} over WhatsApp")
    reply_to = getattr(message, "reply_to", None)
    if reply_to:
        payload["context"] = {"message_id": reply_to}
    return payload


def mark_read_payload(message_id: str) -> dict[str, Any]:
    return {"messaging_product": "whatsapp", "status": "read", "message_id": message_id}

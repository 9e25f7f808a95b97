"""Bot API method and parameters for each outbound message."""

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
from channels.providers.errors import MediaTypeNotAllowed, UnsupportedOutbound

PROVIDER = Provider.TELEGRAM.value

# kind -> (method, parameter that takes the URL or file_id)
MEDIA_METHODS: dict[MessageKind, tuple[str, str]] = {
    MessageKind.IMAGE: ("sendPhoto", "photo"),
    MessageKind.DOCUMENT: ("sendDocument", "document"),
    MessageKind.AUDIO: ("sendAudio", "audio"),
    MessageKind.VIDEO: ("sendVideo", "video"),
    MessageKind.STICKER: ("sendSticker", "sticker"),
}
# What each send method takes; `sendDocument` takes any file.
_ACCEPTED_MIME = {
    MessageKind.IMAGE: ("image/",),
    MessageKind.AUDIO: ("audio/",),
    MessageKind.VIDEO: ("video/",),
    MessageKind.STICKER: ("image/webp", "application/x-tgsticker", "video/webm"),
}


def chat_id_param(to: str) -> int | str:
    """Numeric chat ids go as numbers; `@channelusername` stays text."""
    stripped = to.strip()
    return int(stripped) if stripped.lstrip("-").isdigit() else stripped


def telegram_message_id(provider_message_id: str) -> int:
    """Our ids are `<chat id>:<message id>`; the Bot API wants the message id alone."""
    return int(provider_message_id.rsplit(":", 1)[-1])


def _check_media(message: OutboundMedia) -> None:
    accepted = _ACCEPTED_MIME.get(message.kind)
    if message.mime_type is None or accepted is None:
        return
    mime = message.mime_type.split(";", 1)[0].strip().lower()
    if not any(mime.startswith(prefix) for prefix in accepted):
        raise MediaTypeNotAllowed(
            provider=PROVIDER,
            code="unsupported_media_type",
            title=f"{mime} cannot be sent as {message.kind}",
            detail="send it as a document instead",
        )


def method_and_params(to: str, message: OutboundMessage) -> tuple[str, dict[str, Any]]:
    params: dict[str, Any] = {"chat_id": chat_id_param(to)}
    if isinstance(message, OutboundText):
        params["text"] = message.body
        params["link_preview_options"] = {"is_disabled": not message.preview_url}
        method = "sendMessage"
    elif isinstance(message, OutboundMedia):
        _check_media(message)
        method, field = MEDIA_METHODS[message.kind]
        params[field] = message.media_id if message.media_id is not None else message.link
        if message.caption:
            if message.kind == MessageKind.STICKER:
                raise ValueError("Telegram stickers take no caption")
            params["caption"] = message.caption
    elif isinstance(message, OutboundTemplate):
        raise UnsupportedOutbound(
            provider=PROVIDER,
            code="templates_not_supported",
            title="Telegram has no message templates",
            detail="bots may write at any time; send the text instead",
        )
    else:
        raise TypeError(f"cannot send {type(message).__name__} over Telegram")
    if message.reply_to:
        params["reply_parameters"] = {
            "message_id": telegram_message_id(message.reply_to),
            "allow_sending_without_reply": True,
        }
    return method, params

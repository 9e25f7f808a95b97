"""The WebChat widget's wire protocol (ours; this module is its specification).

Widget -> server, `POST` to the channel's intake URL, with headers
`Origin: <page origin>` and `Authorization: Bearer <visitor token>` (see `tokens.py`):

    {
      "client_message_id": "c-2f7d...",   # made by the widget, unique per visitor; 1-100 of
                                          # [A-Za-z0-9_.:-]; a resend reuses it (idempotency key)
      "channel_key": "ck_...",           # the channel the widget was embedded with
      "visitor_id": "v_...",             # must equal the visitor id inside the token
      "visitor_name": "Maria",           # optional, what the visitor typed in the pre-chat form
      "text": "Olá",                     # optional if there are attachments; at most 4096 chars
      "reply_to": "wc_...",              # optional, id of one of our messages being answered
      "attachments": [                   # optional, at most 10, each already uploaded to
        {                                # our upload endpoint, which gave the upload_id
          "upload_id": "up_...",
          "mime_type": "image/png",
          "filename": "foto.png",        # optional
          "size": 12345,                 # optional, bytes
          "sha256": "<hex>"              # optional
        }
      ]
    }

The body holds no credential, so the raw-event inbox can keep it as is. A message with several
attachments becomes several canonical messages (the channels we mirror carry one file per
message): the first keeps `client_message_id` and the text, the next ones are
`<client_message_id>#2`, `#3`... The widget's clock is not trusted: the server's clock at parse
time is the message time.

Server -> widget travels over our own live push (SSE), not through a provider, so `send` only
builds this payload and the caller publishes it to the visitor's stream:

    {"type": "message", "id": "wc_<32 hex>", "channel_key", "visitor_id", "sent_at": ISO-8601 UTC,
     "kind": "text" | "image" | "audio" | "video" | "document" | "sticker",
     "text": "...",                          # body or caption, may be null
     "attachment": {"url" | "media_id", "mime_type", "filename"} | null,
     "reply_to": "<client_message_id>" | null}
"""

from __future__ import annotations

import re
import uuid
from datetime import datetime
from typing import Any

from channels.providers.base import (
    InboundMessage,
    MediaRef,
    MessageKind,
    OutboundMedia,
    OutboundMessage,
    OutboundTemplate,
    OutboundText,
    ParsedEvent,
    Provider,
)
from channels.providers.errors import (
    MalformedPayload,
    MediaTooLarge,
    MediaTypeNotAllowed,
    UnsupportedOutbound,
)
from channels.providers.normalize import load_json_object, optional_str

PROVIDER = Provider.WEBCHAT.value
MAX_TEXT_LENGTH = 4096
MAX_ATTACHMENTS = 10
MAX_UPLOAD_BYTES = 10 * 1024 * 1024
ALLOWED_UPLOAD_MIME_TYPES = frozenset(
    {
        "image/jpeg",
        "image/png",
        "image/webp",
        "audio/mpeg",
        "audio/ogg",
        "audio/webm",
        "video/mp4",
        "application/pdf",
        "text/plain",
        "application/msword",
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
        "application/vnd.ms-excel",
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    }
)
_CLIENT_ID = re.compile(r"^[A-Za-z0-9_.:-]{1,100}$")


def check_upload(mime_type: str, size: int) -> None:
    """For the upload endpoint: refuse a file before it is stored."""
    mime = mime_type.split(";", 1)[0].strip().lower()
    if mime not in ALLOWED_UPLOAD_MIME_TYPES:
        raise MediaTypeNotAllowed(
            provider=PROVIDER, code="unsupported_media_type", title=f"{mime} is not accepted"
        )
    if size > MAX_UPLOAD_BYTES:
        raise MediaTooLarge(
            provider=PROVIDER,
            code="media_too_large",
            title=f"file is {size} bytes, limit is {MAX_UPLOAD_BYTES}",
        )


def kind_for_mime(mime_type: str) -> MessageKind:
    top = mime_type.split("/", 1)[0].lower()
    return {
        "image": MessageKind.IMAGE,
        "audio": MessageKind.AUDIO,
        "video": MessageKind.VIDEO,
    }.get(top, MessageKind.DOCUMENT)


def _text_field(body: dict[str, Any], key: str, *, required: bool) -> str | None:
    value = body.get(key)
    if value is None or value == "":
        if required:
            raise MalformedPayload(f"{key} is required")
        return None
    if not isinstance(value, str):
        raise MalformedPayload(f"{key} must be a string")
    return value


def read_body(body: bytes) -> dict[str, Any]:
    """Decode and validate the widget's message body."""
    payload = load_json_object(body)
    client_id = _text_field(payload, "client_message_id", required=True)
    if client_id is None or not _CLIENT_ID.match(client_id):
        raise MalformedPayload("client_message_id must be 1-100 of [A-Za-z0-9_.:-]")
    _text_field(payload, "channel_key", required=True)
    _text_field(payload, "visitor_id", required=True)
    _text_field(payload, "visitor_name", required=False)
    _text_field(payload, "reply_to", required=False)
    text = _text_field(payload, "text", required=False)
    if text is not None and len(text) > MAX_TEXT_LENGTH:
        raise MalformedPayload(f"text is longer than {MAX_TEXT_LENGTH} characters")
    attachments = payload.get("attachments", [])
    if not isinstance(attachments, list) or len(attachments) > MAX_ATTACHMENTS:
        raise MalformedPayload(f"attachments must be a list of at most {MAX_ATTACHMENTS}")
    for attachment in attachments:
        if not isinstance(attachment, dict):
            raise MalformedPayload("each attachment must be an object")
        _text_field(attachment, "upload_id", required=True)
        _text_field(attachment, "mime_type", required=True)
        _text_field(attachment, "filename", required=False)
        size = attachment.get("size")
        if size is not None and (isinstance(size, bool) or not isinstance(size, int) or size < 0):
            raise MalformedPayload("attachment size must be a non-negative integer")
    if text is None and not attachments:
        raise MalformedPayload("a message needs text or at least one attachment")
    return payload


def parse(body: bytes, account_id: str | None, now: datetime) -> ParsedEvent:
    payload = read_body(body)
    channel_key = str(payload["channel_key"])
    if account_id is not None and account_id != channel_key:
        raise MalformedPayload("body channel_key does not match the channel it was sent to")
    client_id = str(payload["client_message_id"])
    text = optional_str(payload.get("text"))
    common: dict[str, Any] = {
        "provider": PROVIDER,
        "account_id": channel_key,
        "sender_id": str(payload["visitor_id"]),
        "sender_name": optional_str(payload.get("visitor_name")),
        "timestamp": now,
        "reply_to": optional_str(payload.get("reply_to")),
        "raw": payload,
    }
    attachments: list[dict[str, Any]] = payload.get("attachments", [])
    if not attachments:
        return ParsedEvent(
            messages=(
                InboundMessage(
                    kind=MessageKind.TEXT, provider_message_id=client_id, text=text, **common
                ),
            )
        )
    messages = []
    for position, attachment in enumerate(attachments, start=1):
        caption = text if position == 1 else None
        mime_type = str(attachment["mime_type"])
        messages.append(
            InboundMessage(
                kind=kind_for_mime(mime_type),
                provider_message_id=client_id if position == 1 else f"{client_id}#{position}",
                text=caption,
                media=MediaRef(
                    provider_media_id=str(attachment["upload_id"]),
                    mime_type=mime_type,
                    filename=optional_str(attachment.get("filename")),
                    sha256=optional_str(attachment.get("sha256")),
                    caption=caption,
                    size=attachment.get("size"),
                ),
                **common,
            )
        )
    return ParsedEvent(messages=tuple(messages))


def new_message_id() -> str:
    return "wc_" + uuid.uuid4().hex


def outbound_payload(
    *,
    channel_key: str,
    visitor_id: str,
    message: OutboundMessage,
    message_id: str,
    sent_at: datetime,
) -> dict[str, Any]:
    payload: dict[str, Any] = {
        "type": "message",
        "id": message_id,
        "channel_key": channel_key,
        "visitor_id": visitor_id,
        "sent_at": sent_at.isoformat(),
    }
    if isinstance(message, OutboundText):
        payload.update(kind=str(MessageKind.TEXT), text=message.body, attachment=None)
    elif isinstance(message, OutboundMedia):
        attachment: dict[str, Any] = (
            {"media_id": message.media_id}
            if message.media_id is not None
            else {"url": message.link}
        )
        attachment["mime_type"] = message.mime_type
        attachment["filename"] = message.filename
        payload.update(kind=str(message.kind), text=message.caption, attachment=attachment)
    elif isinstance(message, OutboundTemplate):
        raise UnsupportedOutbound(
            provider=PROVIDER,
            code="templates_not_supported",
            title="WebChat has no message templates",
            detail="the widget has no session window; send the text instead",
        )
    else:
        raise TypeError(f"cannot send {type(message).__name__} over WebChat")
    payload["reply_to"] = message.reply_to
    return payload

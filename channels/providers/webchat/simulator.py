"""Builders of WebChat widget requests, for tests and the product's simulator page.

WebChat has no outside provider to imitate: outbound messages go over our own live push, so
there is no server here, only what a real widget would POST (body, `Origin` and a freshly
issued visitor token).
"""

from __future__ import annotations

import json
import secrets
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from channels.providers.base import WebhookDelivery
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.webchat.tokens import issue_visitor_token


def new_client_message_id() -> str:
    return "c-" + secrets.token_hex(12)


def build_webchat_message(
    credentials: WebChatCredentials,
    *,
    visitor_id: str,
    text: str | None = None,
    attachments: Sequence[Mapping[str, Any]] = (),
    client_message_id: str | None = None,
    visitor_name: str | None = None,
    reply_to: str | None = None,
    origin: str | None = None,
    issued_at: datetime | None = None,
) -> WebhookDelivery:
    body: dict[str, Any] = {
        "client_message_id": client_message_id or new_client_message_id(),
        "channel_key": credentials.channel_key,
        "visitor_id": visitor_id,
    }
    if visitor_name is not None:
        body["visitor_name"] = visitor_name
    if text is not None:
        body["text"] = text
    if reply_to is not None:
        body["reply_to"] = reply_to
    if attachments:
        body["attachments"] = [dict(attachment) for attachment in attachments]
    token = issue_visitor_token(
        signing_key=credentials.signing_key,
        channel_key=credentials.channel_key,
        visitor_id=visitor_id,
        issued_at=issued_at,
    )
    page_origin = origin or (credentials.allowed_origins[0] if credentials.allowed_origins else "")
    return WebhookDelivery(
        body=json.dumps(body, separators=(",", ":"), ensure_ascii=False).encode(),
        headers={
            "Content-Type": "application/json",
            "Origin": page_origin,
            "Authorization": f"Bearer {token}",
        },
    )

"""Map Bot API error answers to our typed errors.

Every failed call answers `{"ok": false, "error_code": <HTTP-like code>, "description": "...",
"parameters": {"retry_after": <seconds>, "migrate_to_chat_id": ...}}`. The code is coarse (400
covers most mistakes), so the description decides between the 400 cases; Telegram keeps these
texts stable and the popular libraries branch on them the same way.
"""

from __future__ import annotations

from typing import Any

import httpx

from channels.providers.base import Provider
from channels.providers.errors import (
    AuthenticationFailed,
    MediaTooLarge,
    MediaTypeNotAllowed,
    ProviderError,
    RateLimited,
    RecipientUnavailable,
)
from channels.providers.http import decode_json
from channels.providers.normalize import sub_object

PROVIDER = Provider.TELEGRAM.value

_RECIPIENT_PHRASES = (
    "chat not found",
    "bot was blocked by the user",
    "user is deactivated",
    "bot was kicked",
    "bot can't initiate conversation",
    "have no rights to send a message",
    "not enough rights to send",
)
_TOO_LARGE_PHRASES = ("file is too big", "request entity too large")
_MEDIA_TYPE_PHRASES = (
    "wrong type of the web page content",
    "wrong file identifier",
    "wrong remote file",
)


def error_from_response(response: httpx.Response) -> ProviderError:
    body = decode_json(response)
    payload: dict[str, Any] = body if isinstance(body, dict) else {}
    code = payload.get("error_code", response.status_code)
    description = str(payload.get("description") or response.reason_phrase or "")
    parameters = sub_object(payload, "parameters")
    lowered = description.lower()
    kwargs: dict[str, Any] = {
        "provider": PROVIDER,
        "code": str(code),
        "title": description,
        "http_status": response.status_code,
        "raw": body,
    }
    if code == 429:
        retry_after = parameters.get("retry_after")
        return RateLimited(
            retry_after=float(retry_after) if isinstance(retry_after, int | float) else None,
            **kwargs,
        )
    # 404 on a Bot API method means the token in the URL names no bot.
    if code in (401, 404):
        return AuthenticationFailed(**kwargs)
    if code == 413 or any(phrase in lowered for phrase in _TOO_LARGE_PHRASES):
        return MediaTooLarge(**kwargs)
    if any(phrase in lowered for phrase in _RECIPIENT_PHRASES):
        return RecipientUnavailable(**kwargs)
    if any(phrase in lowered for phrase in _MEDIA_TYPE_PHRASES):
        return MediaTypeNotAllowed(**kwargs)
    if "migrate_to_chat_id" in parameters:
        kwargs["detail"] = f"group moved to chat {parameters['migrate_to_chat_id']}"
    retryable = isinstance(code, int) and code >= 500
    return ProviderError(retryable=retryable, **kwargs)

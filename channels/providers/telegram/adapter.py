"""Telegram Bot API adapter.

Delivery receipts: Telegram has none. A message is `sent` when the Bot API answers `ok: true`
with the created Message; there will never be a `delivered` or `read` for it, so the outbound
worker marks it `sent` straight away (`supports_delivery_receipts = False`).
"""

from __future__ import annotations

import hmac
import mimetypes
import posixpath
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, datetime
from typing import Any

import httpx

from channels.providers.base import (
    DownloadedMedia,
    OutboundMessage,
    ParsedEvent,
    Provider,
    SendResult,
)
from channels.providers.errors import InvalidSignature, MediaTooLarge, ProviderError
from channels.providers.http import HttpClient, decode_json, default_http_client
from channels.providers.normalize import header_value, sub_object
from channels.providers.telegram import inbound, outbound
from channels.providers.telegram.bot_api_errors import error_from_response
from channels.providers.telegram.credentials import TelegramCredentials

PROVIDER = Provider.TELEGRAM.value
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 - a header name
# The Bot API serves files of at most 20 MB through getFile.
MAX_DOWNLOAD_BYTES = 20 * 1024 * 1024
DEFAULT_ALLOWED_UPDATES = ("message", "edited_message", "callback_query")


def _utc_now() -> datetime:
    return datetime.now(UTC)


class TelegramAdapter:
    name = PROVIDER
    supports_delivery_receipts = False

    def __init__(
        self, *, http: HttpClient | None = None, clock: Callable[[], datetime] = _utc_now
    ) -> None:
        self._http = http
        self._clock = clock

    @property
    def http(self) -> HttpClient:
        return self._http or default_http_client()

    # -- intake -----------------------------------------------------------------------------
    def verify(
        self, headers: Mapping[str, str], body: bytes, credentials: TelegramCredentials
    ) -> None:
        """Telegram does not sign bodies; it echoes the secret we gave `setWebhook`."""
        if not credentials.secret_token:
            raise InvalidSignature("no webhook secret configured for this bot")
        received = header_value(headers, SECRET_HEADER)
        if received is None:
            raise InvalidSignature(f"missing {SECRET_HEADER} header")
        if not hmac.compare_digest(received.encode(), credentials.secret_token.encode()):
            raise InvalidSignature(f"{SECRET_HEADER} does not match")

    def account_ids(self, body: bytes, *, account_id: str | None = None) -> tuple[str, ...]:
        return inbound.account_ids(body, account_id)

    def event_key(self, body: bytes, *, account_id: str | None = None) -> str:
        return inbound.event_key(body, account_id)

    def parse(self, body: bytes, *, account_id: str | None = None) -> ParsedEvent:
        return inbound.parse(body, account_id, self._clock)

    # -- Bot API calls ----------------------------------------------------------------------
    def _call(
        self, credentials: TelegramCredentials, method: str, params: Mapping[str, Any] | None = None
    ) -> Any:
        response = self.http.request(
            "POST", credentials.method_url(method), provider=PROVIDER, json=dict(params or {})
        )
        body = decode_json(response)
        if response.status_code >= 400 or not isinstance(body, dict) or body.get("ok") is not True:
            if response.status_code < 400:
                raise ProviderError(
                    provider=PROVIDER,
                    code="invalid_response",
                    title=f"{method} did not answer ok",
                    detail=response.text[:500],
                    retryable=False,
                    http_status=response.status_code,
                    raw=body,
                )
            raise error_from_response(response)
        return body.get("result")

    def send(
        self, credentials: TelegramCredentials, to: str, message: OutboundMessage
    ) -> SendResult:
        method, params = outbound.method_and_params(to, message)
        result = self._call(credentials, method, params)
        if not isinstance(result, dict) or result.get("message_id") is None:
            raise ProviderError(
                provider=PROVIDER,
                code="invalid_response",
                title=f"{method} returned no message",
                retryable=False,
                raw=result,
            )
        chat = sub_object(result, "chat")
        chat_id = chat.get("id", params["chat_id"])
        return SendResult(provider_message_id=f"{chat_id}:{result['message_id']}", raw=result)

    def set_webhook(
        self,
        credentials: TelegramCredentials,
        url: str,
        *,
        allowed_updates: Sequence[str] = DEFAULT_ALLOWED_UPDATES,
        drop_pending_updates: bool = False,
    ) -> None:
        """Point the bot at our intake URL, with the secret Telegram must echo back."""
        self._call(
            credentials,
            "setWebhook",
            {
                "url": url,
                "secret_token": credentials.secret_token,
                "allowed_updates": list(allowed_updates),
                "drop_pending_updates": drop_pending_updates,
            },
        )

    def answer_callback_query(
        self, credentials: TelegramCredentials, callback_query_id: str, text: str | None = None
    ) -> None:
        """Stop the spinner on the citizen's button; pass the id without our `callback:` prefix."""
        params: dict[str, Any] = {"callback_query_id": callback_query_id.removeprefix("callback:")}
        if text:
            params["text"] = text
        self._call(credentials, "answerCallbackQuery", params)

    def download_media(self, credentials: TelegramCredentials, media_id: str) -> DownloadedMedia:
        """`getFile` for the file path, then GET it from the bot's file URL."""
        file = self._call(credentials, "getFile", {"file_id": media_id})
        if not isinstance(file, dict) or not file.get("file_path"):
            raise ProviderError(
                provider=PROVIDER,
                code="invalid_response",
                title="getFile returned no file_path",
                retryable=False,
                raw=file,
            )
        size = file.get("file_size")
        if isinstance(size, int) and size > MAX_DOWNLOAD_BYTES:
            raise MediaTooLarge(
                provider=PROVIDER,
                code="media_too_large",
                title=f"file is {size} bytes, the Bot API serves at most {MAX_DOWNLOAD_BYTES}",
            )
        file_path = str(file["file_path"])
        response = self.http.request("GET", credentials.file_url(file_path), provider=PROVIDER)
        if response.status_code >= 400:
            raise error_from_response(response)
        filename = posixpath.basename(file_path) or None
        mime_type = (
            mimetypes.guess_type(file_path)[0]
            or _content_type(response)
            or "application/octet-stream"
        )
        return DownloadedMedia(content=response.content, mime_type=mime_type, filename=filename)


def _content_type(response: httpx.Response) -> str | None:
    value = response.headers.get("Content-Type")
    if not value or value.startswith("application/octet-stream"):
        return None
    return value.split(";", 1)[0].strip()

"""WhatsApp Cloud API adapter (Meta Graph API).

Delivery receipts: `send` returning a wamid means Meta *accepted* the message; `sent`,
`delivered`, `read` and `failed` arrive later as status webhooks, parsed into `StatusUpdate`.
Some refusals (131047 re-engagement, 131026 undeliverable) may come either synchronously, as a
Graph error raised from `send`, or only later as a `failed` status carrying the same code.
"""

from __future__ import annotations

import base64
import hashlib
from collections.abc import Mapping
from typing import Any

import httpx

from channels.providers.base import (
    DownloadedMedia,
    OutboundMessage,
    ParsedEvent,
    Provider,
    SendResult,
)
from channels.providers.errors import MediaTooLarge, ProviderError
from channels.providers.http import HttpClient, decode_json, default_http_client
from channels.providers.whatsapp import inbound, outbound, webhook
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.graph_errors import error_from_response

PROVIDER = Provider.WHATSAPP.value
# The largest file Meta lets a citizen send (documents); a media object claiming more is refused
# before its bytes are pulled into memory.
DEFAULT_MAX_MEDIA_BYTES = 100 * 1024 * 1024


class WhatsAppAdapter:
    name = PROVIDER
    supports_delivery_receipts = True

    def __init__(
        self, *, http: HttpClient | None = None, max_media_bytes: int = DEFAULT_MAX_MEDIA_BYTES
    ) -> None:
        self._http = http
        self.max_media_bytes = max_media_bytes

    @property
    def http(self) -> HttpClient:
        return self._http or default_http_client()

    # -- intake -----------------------------------------------------------------------------
    def verify(
        self, headers: Mapping[str, str], body: bytes, credentials: WhatsAppCredentials
    ) -> None:
        webhook.verify_signature(headers, body, credentials.app_secret)

    def verify_subscription(
        self, params: Mapping[str, str], credentials: WhatsAppCredentials
    ) -> str:
        """The GET handshake; returns the `hub.challenge` to echo back."""
        return webhook.verify_subscription(params, credentials.verify_token)

    def account_ids(self, body: bytes, *, account_id: str | None = None) -> tuple[str, ...]:
        return inbound.account_ids(body)

    def event_key(self, body: bytes, *, account_id: str | None = None) -> str:
        return inbound.event_key(body)

    def parse(self, body: bytes, *, account_id: str | None = None) -> ParsedEvent:
        return inbound.parse(body)

    # -- outbound ---------------------------------------------------------------------------
    def _call(
        self,
        method: str,
        url: str,
        credentials: WhatsAppCredentials,
        *,
        json: Any = None,
    ) -> httpx.Response:
        response = self.http.request(
            method,
            url,
            provider=PROVIDER,
            headers={"Authorization": f"Bearer {credentials.access_token}"},
            json=json,
        )
        if response.status_code >= 400:
            raise error_from_response(response)
        return response

    def send(
        self, credentials: WhatsAppCredentials, to: str, message: OutboundMessage
    ) -> SendResult:
        payload = outbound.message_payload(to, message)
        response = self._call(
            "POST",
            credentials.graph_url(credentials.phone_number_id, "messages"),
            credentials,
            json=payload,
        )
        body = decode_json(response)
        messages = body.get("messages") if isinstance(body, dict) else None
        if not messages or not isinstance(messages[0], dict) or not messages[0].get("id"):
            raise ProviderError(
                provider=PROVIDER,
                code="invalid_response",
                title="send response has no message id",
                detail=response.text[:500],
                retryable=False,
                http_status=response.status_code,
                raw=body,
            )
        return SendResult(provider_message_id=str(messages[0]["id"]), raw=body)

    def mark_as_read(self, credentials: WhatsAppCredentials, message_id: str) -> None:
        """Show the citizen the blue ticks for an inbound message (optional courtesy)."""
        self._call(
            "POST",
            credentials.graph_url(credentials.phone_number_id, "messages"),
            credentials,
            json=outbound.mark_read_payload(message_id),
        )

    def download_media(self, credentials: WhatsAppCredentials, media_id: str) -> DownloadedMedia:
        """`GET /{media-id}` for a short-lived URL, then `GET` that URL with the same token."""
        meta = decode_json(self._call("GET", credentials.graph_url(media_id), credentials))
        if not isinstance(meta, dict) or not meta.get("url"):
            raise ProviderError(
                provider=PROVIDER,
                code="invalid_response",
                title="media lookup returned no url",
                retryable=False,
                raw=meta,
            )
        declared_size = _int_or_none(meta.get("file_size"))
        if declared_size is not None and declared_size > self.max_media_bytes:
            raise MediaTooLarge(
                provider=PROVIDER,
                code="media_too_large",
                title=f"media is {declared_size} bytes, limit is {self.max_media_bytes}",
            )
        response = self._call("GET", str(meta["url"]), credentials)
        content = response.content
        if len(content) > self.max_media_bytes:
            raise MediaTooLarge(
                provider=PROVIDER,
                code="media_too_large",
                title=f"media is {len(content)} bytes, limit is {self.max_media_bytes}",
            )
        expected = meta.get("sha256")
        if expected and not _sha256_matches(content, str(expected)):
            # A truncated or corrupted transfer; fetching again may well succeed.
            raise ProviderError(
                provider=PROVIDER,
                code="checksum_mismatch",
                title="downloaded media does not match its sha256",
                retryable=True,
            )
        mime_type = str(meta.get("mime_type") or response.headers.get("Content-Type") or "")
        mime_type = mime_type or "application/octet-stream"
        return DownloadedMedia(content=content, mime_type=mime_type, filename=None)


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def _sha256_matches(content: bytes, expected: str) -> bool:
    """Meta gives hex in the media endpoint and base64 in webhooks; accept either."""
    digest = hashlib.sha256(content).digest()
    return expected.lower() == digest.hex() or expected == base64.b64encode(digest).decode()

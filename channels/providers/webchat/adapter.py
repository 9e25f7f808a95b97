"""WebChat adapter: our own embeddable widget (wire format in `protocol.py`).

There is no third party here. `verify` checks the page origin against the channel's allow-list
and the visitor token against the channel's signing key. `send` performs no I/O: it builds the
payload the widget will receive and returns a generated id; the caller publishes `result.raw`
on the visitor's live stream (SSE). A message counts as `sent` once published; the widget sends
no delivery receipts (`supports_delivery_receipts = False`).

Attachments are uploaded by the widget to our own upload endpoint before the message is sent;
`download_media` reads them back through the `WebChatMediaStore` the application provides.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Mapping
from datetime import UTC, datetime
from typing import Protocol

from channels.providers.base import (
    DownloadedMedia,
    OutboundMessage,
    ParsedEvent,
    Provider,
    SendResult,
)
from channels.providers.errors import (
    InvalidSignature,
    MalformedPayload,
    OriginNotAllowed,
    ProviderError,
)
from channels.providers.normalize import header_value, load_json_object
from channels.providers.webchat import protocol
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.webchat.origins import origin_allowed
from channels.providers.webchat.tokens import verify_visitor_token

PROVIDER = Provider.WEBCHAT.value


class WebChatMediaStore(Protocol):
    """Where the upload endpoint keeps visitors' files (implemented on the Django side)."""

    def open_upload(self, channel_key: str, upload_id: str) -> DownloadedMedia: ...


def _utc_now() -> datetime:
    return datetime.now(UTC)


def bearer_token(headers: Mapping[str, str]) -> str | None:
    value = header_value(headers, "Authorization")
    if not value:
        return None
    scheme, _, token = value.partition(" ")
    if scheme.lower() != "bearer" or not token.strip():
        return None
    return token.strip()


class WebChatAdapter:
    name = PROVIDER
    supports_delivery_receipts = False

    def __init__(
        self,
        *,
        media_store: WebChatMediaStore | None = None,
        clock: Callable[[], datetime] = _utc_now,
    ) -> None:
        self.media_store = media_store
        self._clock = clock

    # -- intake -----------------------------------------------------------------------------
    def verify(
        self, headers: Mapping[str, str], body: bytes, credentials: WebChatCredentials
    ) -> None:
        origin = header_value(headers, "Origin")
        if not origin_allowed(origin, credentials.allowed_origins):
            raise OriginNotAllowed(f"origin {origin!r} is not allowed for this channel")
        token = bearer_token(headers)
        if token is None:
            raise InvalidSignature("missing Authorization: Bearer <visitor token>")
        claims = verify_visitor_token(
            token,
            signing_key=credentials.signing_key,
            channel_key=credentials.channel_key,
            now=self._clock(),
        )
        payload = load_json_object(body)
        if payload.get("channel_key") != credentials.channel_key:
            raise MalformedPayload("body channel_key does not match the channel")
        visitor_id = payload.get("visitor_id")
        if not isinstance(visitor_id, str) or not hmac.compare_digest(
            visitor_id.encode(), claims.visitor_id.encode()
        ):
            raise InvalidSignature("body visitor_id is not the token's visitor")

    def account_ids(self, body: bytes, *, account_id: str | None = None) -> tuple[str, ...]:
        channel_key = load_json_object(body).get("channel_key")
        if not isinstance(channel_key, str) or not channel_key:
            raise MalformedPayload("channel_key is required")
        return (channel_key,)

    def event_key(self, body: bytes, *, account_id: str | None = None) -> str:
        """The widget's own `client_message_id`, scoped to channel and visitor."""
        payload = protocol.read_body(body)
        return f"{PROVIDER}:{payload['channel_key']}:{payload['visitor_id']}:{payload['client_message_id']}"

    def parse(self, body: bytes, *, account_id: str | None = None) -> ParsedEvent:
        return protocol.parse(body, account_id, self._clock())

    # -- outbound ---------------------------------------------------------------------------
    def send(
        self, credentials: WebChatCredentials, to: str, message: OutboundMessage
    ) -> SendResult:
        """Build the payload for the visitor's live stream; nothing leaves the process here."""
        message_id = protocol.new_message_id()
        payload = protocol.outbound_payload(
            channel_key=credentials.channel_key,
            visitor_id=to,
            message=message,
            message_id=message_id,
            sent_at=self._clock(),
        )
        return SendResult(provider_message_id=message_id, raw=payload)

    def download_media(self, credentials: WebChatCredentials, media_id: str) -> DownloadedMedia:
        if self.media_store is None:
            raise ProviderError(
                provider=PROVIDER,
                code="no_media_store",
                title="no WebChat media store configured",
                detail="construct WebChatAdapter(media_store=...) with the upload storage",
                retryable=False,
            )
        return self.media_store.open_upload(credentials.channel_key, media_id)

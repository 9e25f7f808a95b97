"""The common interface every messaging provider adapter implements.

Intake (public schema, synchronous) calls `verify`, `account_ids` and `event_key`, stores the
raw body and answers 200. The worker later calls `parse` on the stored body and gets provider-
neutral `InboundMessage` / `StatusUpdate` / `UnknownEvent` values; outbound sending calls `send`.
Nothing here touches the database or Django models, so the same code serves the webhook views,
the Celery tasks, the simulators and the tests.

Identifiers are always text: Telegram's numeric ids are turned into strings so that one column
type holds every provider's ids.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from enum import StrEnum
from typing import Any, NamedTuple, Protocol, TypeVar

JsonObject = Mapping[str, Any]


class Provider(StrEnum):
    WHATSAPP = "whatsapp"
    TELEGRAM = "telegram"
    WEBCHAT = "webchat"


class MessageKind(StrEnum):
    TEXT = "text"
    IMAGE = "image"
    AUDIO = "audio"
    VIDEO = "video"
    DOCUMENT = "document"
    STICKER = "sticker"
    LOCATION = "location"
    CONTACTS = "contacts"
    INTERACTIVE = "interactive"
    BUTTON = "button"
    REACTION = "reaction"
    UNSUPPORTED = "unsupported"


MEDIA_KINDS = frozenset(
    {
        MessageKind.IMAGE,
        MessageKind.AUDIO,
        MessageKind.VIDEO,
        MessageKind.DOCUMENT,
        MessageKind.STICKER,
    }
)


class MessageStatus(StrEnum):
    SENT = "sent"
    DELIVERED = "delivered"
    READ = "read"
    FAILED = "failed"


# --- Inbound -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class MediaRef:
    """A file the provider holds; fetch it with the adapter's `download_media(provider_media_id)`."""

    provider_media_id: str
    mime_type: str | None = None
    filename: str | None = None
    sha256: str | None = None
    caption: str | None = None
    size: int | None = None
    voice: bool = False


@dataclass(frozen=True)
class Location:
    latitude: float
    longitude: float
    name: str | None = None
    address: str | None = None
    url: str | None = None


@dataclass(frozen=True)
class ContactPhone:
    phone: str
    wa_id: str | None = None
    type: str | None = None


@dataclass(frozen=True)
class SharedContact:
    """A contact card the citizen shared (WhatsApp `contacts`, Telegram `contact`)."""

    formatted_name: str
    first_name: str | None = None
    last_name: str | None = None
    phones: tuple[ContactPhone, ...] = ()
    emails: tuple[str, ...] = ()
    organization: str | None = None
    user_id: str | None = None


@dataclass(frozen=True)
class InteractiveReply:
    """The option a citizen picked: WhatsApp reply button / list row / template quick reply,
    Telegram inline-keyboard callback."""

    id: str
    title: str | None
    type: str
    description: str | None = None


@dataclass(frozen=True)
class Reaction:
    message_id: str
    emoji: str | None  # None: the citizen removed an earlier reaction


@dataclass(frozen=True)
class InboundMessage:
    """One message from a citizen, in the same shape whatever the channel.

    `account_id` routes it to tenant and channel: the WhatsApp phone_number_id, the Telegram bot
    id, the WebChat channel key. `provider_message_id` is unique within that account and is the
    message's idempotency key downstream.
    """

    provider: str
    account_id: str
    provider_message_id: str
    sender_id: str
    timestamp: datetime
    kind: MessageKind
    sender_name: str | None = None
    sender_phone: str | None = None
    text: str | None = None
    media: MediaRef | None = None
    location: Location | None = None
    contacts: tuple[SharedContact, ...] = ()
    reply_to: str | None = None
    interactive: InteractiveReply | None = None
    reaction: Reaction | None = None
    forwarded: bool = False
    raw: JsonObject = field(default_factory=dict)


@dataclass(frozen=True)
class StatusUpdate:
    """A delivery receipt for a message we sent (WhatsApp only; see each adapter's notes)."""

    provider: str
    account_id: str
    provider_message_id: str
    status: MessageStatus
    timestamp: datetime
    recipient_id: str | None = None
    error_code: str | None = None
    error_title: str | None = None
    error_detail: str | None = None
    pricing: JsonObject | None = None
    conversation: JsonObject | None = None
    raw: JsonObject = field(default_factory=dict)


@dataclass(frozen=True)
class UnknownEvent:
    """Anything the adapter does not turn into a message or a status; kept, never dropped."""

    provider: str
    event_type: str
    raw: JsonObject
    account_id: str | None = None


@dataclass(frozen=True)
class ParsedEvent:
    messages: tuple[InboundMessage, ...] = ()
    statuses: tuple[StatusUpdate, ...] = ()
    unknown: tuple[UnknownEvent, ...] = ()

    @property
    def is_empty(self) -> bool:
        return not (self.messages or self.statuses or self.unknown)


# --- Outbound ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class OutboundText:
    body: str
    preview_url: bool = False
    reply_to: str | None = None


@dataclass(frozen=True)
class OutboundMedia:
    """A file sent by public URL (`link`) or by an id the provider already holds (`media_id`)."""

    kind: MessageKind
    link: str | None = None
    media_id: str | None = None
    caption: str | None = None
    filename: str | None = None
    mime_type: str | None = None
    reply_to: str | None = None

    def __post_init__(self) -> None:
        if self.kind not in MEDIA_KINDS:
            raise ValueError(f"{self.kind} is not a media kind")
        if (self.link is None) == (self.media_id is None):
            raise ValueError("give exactly one of link or media_id")


@dataclass(frozen=True)
class OutboundTemplate:
    """A pre-approved WhatsApp template (HSM): the only message allowed outside the 24 h window."""

    name: str
    language: str
    components: Sequence[JsonObject] = ()


OutboundMessage = OutboundText | OutboundMedia | OutboundTemplate


@dataclass(frozen=True)
class SendResult:
    provider_message_id: str
    raw: JsonObject


class DownloadedMedia(NamedTuple):
    content: bytes
    mime_type: str
    filename: str | None


@dataclass(frozen=True)
class WebhookDelivery:
    """A webhook request as the provider would POST it: exact body bytes and headers."""

    body: bytes
    headers: Mapping[str, str]


# --- The adapter contract ----------------------------------------------------------------------

CredentialsT = TypeVar("CredentialsT", contravariant=True)


class ProviderAdapter(Protocol[CredentialsT]):
    """What every provider package exposes (see `registry.get_adapter`).

    `supports_delivery_receipts` tells the outbound worker whether `sent`/`delivered`/`read`
    will arrive later as `StatusUpdate`s (WhatsApp) or whether an accepted `send` is the last
    word and the message should be marked `sent` at once (Telegram, WebChat).
    """

    name: str
    supports_delivery_receipts: bool

    def verify(self, headers: Mapping[str, str], body: bytes, credentials: CredentialsT) -> None:
        """Raise `InvalidSignature` unless the request provably comes from the provider."""
        ...

    def account_ids(self, body: bytes, *, account_id: str | None = None) -> tuple[str, ...]:
        """The provider accounts a webhook body is addressed to, for routing before storage.

        `account_id` is the account known from the request itself (the Telegram bot id in the
        webhook URL) for providers whose bodies do not carry it.
        """
        ...

    def event_key(self, body: bytes, *, account_id: str | None = None) -> str:
        """Idempotency key of the raw event: a provider retry of the same delivery gives the
        same key, two different deliveries give different keys."""
        ...

    def parse(self, body: bytes, *, account_id: str | None = None) -> ParsedEvent:
        """Normalize a webhook body; raise `MalformedPayload` if it is not the provider's shape."""
        ...

    def send(self, credentials: CredentialsT, to: str, message: OutboundMessage) -> SendResult:
        """Send one message; raise a `ProviderError` subclass when the provider refuses."""
        ...

    def download_media(self, credentials: CredentialsT, media_id: str) -> DownloadedMedia:
        """Fetch an inbound file by the `MediaRef.provider_media_id` the parser gave."""
        ...

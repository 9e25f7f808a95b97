"""Desk models, one module per concept; import them from here."""

from desk.models.captured_data import CapturedData, CaptureSource
from desk.models.contact_imports import (
    ContactImport,
    ContactTeamAccess,
    ImportFormat,
    ImportStatus,
)
from desk.models.contacts import Contact, ContactIdentity
from desk.models.conversations import Conversation, ConversationStatus
from desk.models.media import MediaFile, MediaKind, MediaStatus
from desk.models.messages import (
    BillingKind,
    Direction,
    Message,
    MessageEvent,
    MessageKind,
    MessageStatus,
    Origin,
)
from desk.models.outbox import Outbox
from desk.models.teams import Team

__all__ = [
    "BillingKind",
    "CaptureSource",
    "CapturedData",
    "Contact",
    "ContactIdentity",
    "ContactImport",
    "ContactTeamAccess",
    "Conversation",
    "ConversationStatus",
    "Direction",
    "ImportFormat",
    "ImportStatus",
    "MediaFile",
    "MediaKind",
    "MediaStatus",
    "Message",
    "MessageEvent",
    "MessageKind",
    "MessageStatus",
    "Origin",
    "Outbox",
    "Team",
]

"""Messaging provider adapters: one package per provider behind `base.ProviderAdapter`.

Pure Python (no models, no database): the webhook intake, the workers, the simulators and the
tests all use the same code. Start at `registry.get_adapter(name)`.
"""

from channels.providers.base import (
    DownloadedMedia,
    InboundMessage,
    MessageKind,
    MessageStatus,
    OutboundMedia,
    OutboundTemplate,
    OutboundText,
    ParsedEvent,
    Provider,
    ProviderAdapter,
    SendResult,
    StatusUpdate,
    UnknownEvent,
)
from channels.providers.registry import available_providers, get_adapter

__all__ = [
    "DownloadedMedia",
    "InboundMessage",
    "MessageKind",
    "MessageStatus",
    "OutboundMedia",
    "OutboundTemplate",
    "OutboundText",
    "ParsedEvent",
    "Provider",
    "ProviderAdapter",
    "SendResult",
    "StatusUpdate",
    "UnknownEvent",
    "available_providers",
    "get_adapter",
]

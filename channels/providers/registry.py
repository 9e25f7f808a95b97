"""Find the adapter for a provider name.

The registry holds factories rather than instances so callers can pass their own HTTP client
(the simulators' tests do) while everyday code just asks `get_adapter("whatsapp")`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from channels.providers.base import Provider, ProviderAdapter
from channels.providers.errors import UnknownProvider
from channels.providers.http import HttpClient
from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.webchat.adapter import WebChatAdapter
from channels.providers.whatsapp.adapter import WhatsAppAdapter


def _whatsapp(http: HttpClient | None) -> ProviderAdapter[Any]:
    return WhatsAppAdapter(http=http)


def _telegram(http: HttpClient | None) -> ProviderAdapter[Any]:
    return TelegramAdapter(http=http)


def _webchat(http: HttpClient | None) -> ProviderAdapter[Any]:
    # WebChat makes no outbound HTTP calls; the media store is wired by the application.
    return WebChatAdapter()


_FACTORIES: dict[str, Callable[[HttpClient | None], ProviderAdapter[Any]]] = {
    Provider.WHATSAPP.value: _whatsapp,
    Provider.TELEGRAM.value: _telegram,
    Provider.WEBCHAT.value: _webchat,
}


def available_providers() -> tuple[str, ...]:
    return tuple(_FACTORIES)


def get_adapter(name: str, *, http: HttpClient | None = None) -> ProviderAdapter[Any]:
    try:
        factory = _FACTORIES[name]
    except KeyError:
        raise UnknownProvider(f"no adapter for provider {name!r}") from None
    return factory(http)

"""Reads of the routing table, for the webhook views (public schema)."""

from __future__ import annotations

from collections.abc import Iterable

from channels.intake.models import RoutingEntry
from channels.intake.routing_cache import cache_get, cache_put
from channels.intake.services import VERIFY_TOKEN_INDEX


def routing_get(*, provider: str, account_id: str, fresh: bool = False) -> RoutingEntry | None:
    """The active route of a provider account. Cached for a few seconds (routing_cache);
    `fresh=True` reads the database, as the views do before refusing a failed verification."""
    if not fresh:
        cached = cache_get(provider, account_id)
        if cached is not None:
            return cached
    entry = (
        RoutingEntry.objects.select_related("tenant")
        .filter(provider=provider, account_id=account_id, is_active=True)
        .first()
    )
    if entry is not None:  # unknown ids are not cached: a channel created now works at once
        cache_put(entry)
    return entry


def routing_get_by_secondary(*, provider: str, secondary_ids: Iterable[str]) -> RoutingEntry | None:
    wanted = [value for value in secondary_ids if value]
    if not wanted:
        return None
    return (
        RoutingEntry.objects.select_related("tenant")
        .filter(provider=provider, secondary_account_id__in=wanted, is_active=True)
        .order_by("id")
        .first()
    )


def routing_get_by_verify_token(*, provider: str, verify_token: str) -> RoutingEntry | None:
    if not verify_token:
        return None
    return (
        RoutingEntry.objects.filter(
            provider=provider,
            verify_token_index=VERIFY_TOKEN_INDEX.digest(verify_token),
            is_active=True,
        )
        .order_by("id")
        .first()
    )

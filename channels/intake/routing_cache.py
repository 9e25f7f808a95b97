"""A per-process cache of routing entries, read on every webhook (see `selectors.routing_get`).

Entries live a few seconds. Routing writes clear this process's cache at once; other processes
catch up when their entries expire, and a webhook that fails verification against a cached
entry is checked again against the database before it is refused.
"""

from __future__ import annotations

import threading
import time
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from channels.intake.models import RoutingEntry

CACHE_SECONDS = 5.0
MAX_ENTRIES = 10_000
_entries: dict[tuple[str, str], tuple[float, RoutingEntry]] = {}
_lock = threading.Lock()


def cache_get(provider: str, account_id: str) -> RoutingEntry | None:
    with _lock:
        cached = _entries.get((provider, account_id))
    if cached is None or cached[0] <= time.monotonic():
        return None
    return cached[1]


def cache_put(entry: RoutingEntry) -> None:
    with _lock:
        if len(_entries) >= MAX_ENTRIES:
            _entries.clear()
        _entries[(entry.provider, entry.account_id)] = (time.monotonic() + CACHE_SECONDS, entry)


def routing_cache_clear() -> None:
    with _lock:
        _entries.clear()

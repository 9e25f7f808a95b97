"""One `SET search_path` per transaction on the pipeline's hot paths.

django-tenants issues `SET search_path` before every query (each cursor), which doubles the
round trips to PostgreSQL; its global switch against that (TENANT_LIMIT_SET_CALLS) is unsafe
with rollbacks, because a `SET` made inside a rolled-back transaction is undone while
django-tenants believes it still holds.

Inside `search_path_pinned()` the schema is set once, at the start of the already open
transaction, and the per-cursor `SET` is skipped for this connection only (connections are
per thread). The block must not switch schemas. Nothing outlives the transaction: when the
block ends (commit or rollback) django-tenants' own handling is back for the next query, and it
sets the path again as it always does.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from django.db import DEFAULT_DB_ALIAS, connections


@contextmanager
def search_path_pinned() -> Iterator[None]:
    connection = connections[DEFAULT_DB_ALIAS]  # the real wrapper, not the proxy
    if not connection.in_atomic_block:
        raise RuntimeError("search_path_pinned() needs an open transaction")
    if "_handle_search_path" in vars(connection):
        yield  # already pinned by an enclosing block
        return
    with connection.cursor():
        pass  # django-tenants sets the tenant's search_path on this cursor, inside the transaction
    connection._handle_search_path = lambda cursor=None: None  # type: ignore[attr-defined]
    try:
        yield
    finally:
        del connection._handle_search_path  # type: ignore[attr-defined]

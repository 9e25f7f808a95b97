"""How rows travel to ClickHouse: JSONCompactEachRow through `raw_insert` (docs/adr/0050).

We do not use clickhouse-connect's `insert()` (Native, built column by column): it imports
pandas on every first insert of a process when pandas is installed — and chDB installs it — which
costs seconds in each Celery worker. JSON is also what a person can read in a log, works the same
on chDB's service and on a server, and keeps decimals exact (sent as strings). Rows are arrays in
column order (JSONCompactEachRow), encoded by the C JSON encoder.
"""

from __future__ import annotations

import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.summary import QuerySummary


def _encode_default(value: Any) -> Any:
    """What the C JSON encoder cannot write itself (it calls this only for those values)."""
    if isinstance(value, datetime):
        if value.tzinfo is None:
            raise ValueError(f"naive datetime {value!r}: analytics times are aware, in UTC")
        return value.astimezone(UTC).replace(tzinfo=None).isoformat(" ", "microseconds")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, set | frozenset):
        return sorted(value)
    if isinstance(value, Mapping):
        return dict(value)
    raise TypeError(f"cannot send {type(value).__name__} to ClickHouse")


_ENCODER = json.JSONEncoder(ensure_ascii=False, separators=(",", ":"), default=_encode_default)


def json_rows(columns: Sequence[str], rows: Iterable[Sequence[Any]]) -> bytes:
    """JSONCompactEachRow: one JSON array per row, values in the order of `columns`."""
    width = len(columns)
    lines = []
    for row in rows:
        if len(row) != width:
            raise ValueError(f"row has {len(row)} values for {width} columns")
        lines.append(_ENCODER.encode(list(row)))
    return ("\n".join(lines) + "\n").encode() if lines else b""


def insert_rows(
    client: Client, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
) -> QuerySummary | None:
    """Inserts synchronously: returns once ClickHouse has written the rows (or raises)."""
    body = json_rows(columns, rows)
    if not body:
        return None
    return client.raw_insert(table, list(columns), body, fmt="JSONCompactEachRow")

"""Monthly partitions of the usage ledger (docs/adr/0010).

`billing_usagerecord` is `PARTITION BY RANGE (period)` with one partition per São Paulo month and
a DEFAULT partition that catches anything outside the prepared range (a clock far off, say), so
no usage is ever refused for want of a partition. `partitions_ensure` runs daily (beat) and keeps
the next months ready; when the default partition already holds rows of a month being created,
they are moved into the new partition in the same transaction.
"""

# SQL here is assembled from module constants only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from datetime import date

from django.db import connection, transaction

from billing.periods import period_add, periods_between

LEDGER_TABLE = "billing_usagerecord"
DEFAULT_PARTITION = f"{LEDGER_TABLE}_default"


def partition_name(period: date) -> str:
    return f"{LEDGER_TABLE}_p{period.year:04d}{period.month:02d}"


def partitions_existing() -> set[str]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT child.relname FROM pg_inherits
            JOIN pg_class parent ON parent.oid = pg_inherits.inhparent
            JOIN pg_class child ON child.oid = pg_inherits.inhrelid
            JOIN pg_namespace ns ON ns.oid = parent.relnamespace
            WHERE parent.relname = %s AND ns.nspname = current_schema()
            """,
            [LEDGER_TABLE],
        )
        return {row[0] for row in cursor.fetchall()}


def _partition_create(period: date) -> None:
    name = partition_name(period)
    start, end = period, period_add(period, 1)
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(
            f"SELECT count(*) FROM {DEFAULT_PARTITION} WHERE period >= %s AND period < %s",
            [start, end],
        )
        stray = cursor.fetchone()[0]
        if not stray:
            cursor.execute(
                f"CREATE TABLE {name} PARTITION OF {LEDGER_TABLE} FOR VALUES FROM (%s) TO (%s)",
                [start, end],
            )
            return
        # Rows of this month landed in the default partition: move them, then attach.
        cursor.execute(
            f"CREATE TABLE {name} (LIKE {LEDGER_TABLE} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"
        )
        cursor.execute(
            f"WITH moved AS (DELETE FROM {DEFAULT_PARTITION} WHERE period >= %s AND period < %s "
            f"RETURNING *) INSERT INTO {name} SELECT * FROM moved",
            [start, end],
        )
        cursor.execute(
            f"ALTER TABLE {LEDGER_TABLE} ATTACH PARTITION {name} FOR VALUES FROM (%s) TO (%s)",
            [start, end],
        )


def partitions_ensure(first: date, last: date) -> list[str]:
    """Creates every missing monthly partition from `first` to `last`; returns the new names."""
    existing = partitions_existing()
    created: list[str] = []
    for period in periods_between(first, last):
        if partition_name(period) not in existing:
            _partition_create(period)
            created.append(partition_name(period))
    return created

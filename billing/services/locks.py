"""Transaction-scoped advisory locks that order metering against closing and repricing.

- Recording usage takes the tenant lock and the (tenant, period) lock in SHARED mode: any number
  of writers proceed together.
- Closing a period takes the tenant lock shared and the (tenant, period) lock EXCLUSIVE: it waits
  for writers already inside that period to commit, and writers that come after see it closed.
- Repricing takes the tenant lock EXCLUSIVE: no usage is priced while prices are being changed.

Keys are single bigints in a namespace of their own so they never meet another app's locks.
"""

from __future__ import annotations

from datetime import date

from django.db import connection

_NAMESPACE = 0x4249  # "BI"lling


def lock_key(tenant_id: int, period: date | None = None) -> int:
    month_index = 0 if period is None else period.year * 12 + period.month
    return (_NAMESPACE << 48) | ((tenant_id & 0x0FFF_FFFF) << 20) | (month_index & 0xF_FFFF)


def lock_for_recording(tenant_id: int, period: date) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock_shared(%s)",
            [lock_key(tenant_id), lock_key(tenant_id, period)],
        )


def lock_for_closing(tenant_id: int, period: date) -> None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_advisory_xact_lock_shared(%s), pg_advisory_xact_lock(%s)",
            [lock_key(tenant_id), lock_key(tenant_id, period)],
        )


def lock_for_repricing(tenant_id: int) -> None:
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [lock_key(tenant_id)])


def try_lock_singleton(name_key: int) -> bool:
    """For jobs that must not run twice at once (the rollup refresh)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_try_advisory_xact_lock(%s)", [(_NAMESPACE << 48) | name_key])
        return bool(cursor.fetchone()[0])

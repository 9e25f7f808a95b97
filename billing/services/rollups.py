"""Daily and monthly rollups, derived from the ledger and rebuildable at any time.

The incremental refresh (beat, every minute) finds the (tenant, day) pairs that received rows
since its last run by `recorded_at` (a BRIN index makes that cheap), with an overlap that covers
transactions still open at the previous run, and rebuilds exactly those days. Closing rebuilds the
whole period from the ledger and checks the result against the raw ledger, so statements never
depend on the refresh having caught everything (docs/adr/0010).
"""

# SQL here is assembled from module constants only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime, timedelta
from typing import Any

from django.db import connection, transaction

from billing.models import RollupWatermark
from billing.periods import BILLING_TZ, day_start, period_days, period_of_day
from billing.services.locks import try_lock_singleton

REFRESH_OVERLAP = timedelta(minutes=15)
_LOCAL_DAY = "(u.occurred_at AT TIME ZONE 'America/Sao_Paulo')::date"
_DIMENSIONS = "period, billing_period, kind, direction, origin, channel, agent_id, unit_price"

_DAILY_FROM_LEDGER = f"""
INSERT INTO billing_usagedaily
    (tenant_id, day, {_DIMENSIONS}, agent_name, quantity, amount)
SELECT u.tenant_id, {_LOCAL_DAY} AS day, u.period, u.billing_period, u.kind, u.direction,
       u.origin, u.channel, u.agent_id, u.unit_price, max(u.agent_name), count(*),
       count(*) * u.unit_price
  FROM billing_usagerecord u
 WHERE u.tenant_id = %(tenant)s AND u.period = %(period)s
   AND u.occurred_at >= %(start)s AND u.occurred_at < %(end)s
 GROUP BY u.tenant_id, day, u.period, u.billing_period, u.kind, u.direction, u.origin,
          u.channel, u.agent_id, u.unit_price
"""

# Where every day of the range is 24 hours long (no daylight-saving change; Brazil has had
# none since 2019), days are bins of 24 h from the first midnight: cheaper than converting the
# time zone of every row, and the same days.
_DAILY_FROM_LEDGER_BINNED = f"""
INSERT INTO billing_usagedaily
    (tenant_id, day, {_DIMENSIONS}, agent_name, quantity, amount)
SELECT u.tenant_id,
       (date_bin('1 day', u.occurred_at, %(start)s) AT TIME ZONE 'America/Sao_Paulo')::date,
       u.period, u.billing_period, u.kind, u.direction, u.origin, u.channel, u.agent_id,
       u.unit_price, max(u.agent_name), count(*), count(*) * u.unit_price
  FROM billing_usagerecord u
 WHERE u.tenant_id = %(tenant)s AND u.period = %(period)s
   AND u.occurred_at >= %(start)s AND u.occurred_at < %(end)s
 GROUP BY u.tenant_id, date_bin('1 day', u.occurred_at, %(start)s), u.period,
          u.billing_period, u.kind, u.direction, u.origin, u.channel, u.agent_id,
          u.unit_price
"""

_MONTHLY_FROM_DAILY = f"""
INSERT INTO billing_usagemonthly (tenant_id, {_DIMENSIONS}, agent_name, quantity, amount)
SELECT tenant_id, {_DIMENSIONS}, max(agent_name), sum(quantity), sum(amount)
  FROM billing_usagedaily
 WHERE tenant_id = %(tenant)s AND period = %(period)s
 GROUP BY tenant_id, {_DIMENSIONS}
"""


@contextmanager
def tuned_for_aggregates(cursor: Any) -> Iterator[None]:
    """For the length of the enclosing transaction's aggregates over a month of the ledger:
    the planner cannot estimate how few groups a month has (it multiplies the distinct values of
    several columns), so it sorts on disk where hashing is several times faster, and it compiles
    the plan with JIT, which over dozens of partitions costs more than the query."""
    cursor.execute(
        "SELECT current_setting('enable_sort'), current_setting('work_mem'), "
        "current_setting('jit'), set_config('enable_sort', 'off', true), "
        "set_config('work_mem', '64MB', true), set_config('jit', 'off', true)"
    )
    saved = cursor.fetchone()[:3]
    yield
    # Not reached on error: the transaction is then rolled back with its local settings.
    cursor.execute(
        "SELECT set_config('enable_sort', %s, true), set_config('work_mem', %s, true), "
        "set_config('jit', %s, true)",
        saved,
    )


def days_are_24_hours(first: date, last: date) -> bool:
    """No daylight-saving change between these São Paulo days (none since 2019)."""
    return day_start(last + timedelta(days=1)) - day_start(first) == timedelta(
        days=(last - first).days + 1
    )


def _days_to_ranges(days: list[date]) -> list[tuple[date, date]]:
    """Contiguous runs of days, so a whole month is one range scan rather than thirty."""
    runs: list[tuple[date, date]] = []
    for day in sorted(set(days)):
        if runs and runs[-1][1] + timedelta(days=1) == day:
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def rollups_rebuild_days(tenant_id: int, days: list[date]) -> None:
    """Recomputes the daily rows of these São Paulo days and the monthly rows of their months."""
    if not days:
        return
    with transaction.atomic(), connection.cursor() as cursor, tuned_for_aggregates(cursor):
        cursor.execute(
            "DELETE FROM billing_usagedaily WHERE tenant_id = %s AND day = ANY(%s::date[])",
            [tenant_id, sorted(set(days))],
        )
        for first, last in _days_to_ranges(days):
            # A run crossing a month boundary is split so each scan prunes to one partition.
            current = first
            while current <= last:
                month_last = min(last, _month_last_day(current))
                cursor.execute(
                    _DAILY_FROM_LEDGER_BINNED
                    if days_are_24_hours(current, month_last)
                    else _DAILY_FROM_LEDGER,
                    {
                        "tenant": tenant_id,
                        "period": period_of_day(current),
                        "start": day_start(current),
                        "end": day_start(month_last + timedelta(days=1)),
                    },
                )
                current = month_last + timedelta(days=1)
        for period in sorted({period_of_day(day) for day in days}):
            cursor.execute(
                "DELETE FROM billing_usagemonthly WHERE tenant_id = %s AND period = %s",
                [tenant_id, period],
            )
            cursor.execute(_MONTHLY_FROM_DAILY, {"tenant": tenant_id, "period": period})


def _month_last_day(day: date) -> date:
    following = (day.replace(day=28) + timedelta(days=4)).replace(day=1)
    return following - timedelta(days=1)


def adjustment_days(tenant_id: int, billing_period: date) -> list[date]:
    """Days (in earlier periods) of the late records billed in this period."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT {_LOCAL_DAY} FROM billing_usagerecord u
             WHERE u.tenant_id = %s AND u.billing_period = %s AND u.billing_period <> u.period
            """,
            [tenant_id, billing_period],
        )
        return [row[0] for row in cursor.fetchall()]


def rollups_rebuild_billing_period(tenant_id: int, billing_period: date) -> None:
    """Everything a statement of this period reads: the period's own days and the days of the
    late records it bills."""
    rollups_rebuild_days(
        tenant_id, period_days(billing_period) + adjustment_days(tenant_id, billing_period)
    )


def rollups_rebuild(tenant_id: int | None = None) -> int:
    """Rebuilds every rollup (of one tenant, or of all) from the ledger; returns days rebuilt."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT u.tenant_id, {_LOCAL_DAY} FROM billing_usagerecord u
             WHERE %(tenant)s::bigint IS NULL OR u.tenant_id = %(tenant)s
            """,
            {"tenant": tenant_id},
        )
        by_tenant: dict[int, list[date]] = defaultdict(list)
        for row_tenant, day in cursor.fetchall():
            by_tenant[row_tenant].append(day)
        if tenant_id is None:
            cursor.execute("DELETE FROM billing_usagedaily")
            cursor.execute("DELETE FROM billing_usagemonthly")
        else:
            cursor.execute("DELETE FROM billing_usagedaily WHERE tenant_id = %s", [tenant_id])
            cursor.execute("DELETE FROM billing_usagemonthly WHERE tenant_id = %s", [tenant_id])
    for row_tenant, days in by_tenant.items():
        rollups_rebuild_days(row_tenant, days)
    return sum(len(days) for days in by_tenant.values())


_WATERMARK = "ledger"
_REFRESH_LOCK = 0x5EF2E54


def rollups_refresh() -> set[int]:
    """Rebuilds the days that received usage since the last refresh; returns the tenants touched.
    Single-flight: a second concurrent run returns at once."""
    with transaction.atomic():
        if not try_lock_singleton(_REFRESH_LOCK):
            return set()
        with connection.cursor() as cursor:
            cursor.execute("SELECT now()")
            started: datetime = cursor.fetchone()[0]
            mark = RollupWatermark.objects.filter(name=_WATERMARK).first()
            since = mark.value - REFRESH_OVERLAP if mark else None
            cursor.execute(
                f"""
                SELECT DISTINCT u.tenant_id, {_LOCAL_DAY} FROM billing_usagerecord u
                 WHERE %(since)s::timestamptz IS NULL OR u.recorded_at >= %(since)s
                """,
                {"since": since},
            )
            touched: dict[int, list[date]] = defaultdict(list)
            for tenant_id, day in cursor.fetchall():
                touched[tenant_id].append(day)
        for tenant_id, days in touched.items():
            rollups_rebuild_days(tenant_id, days)
        RollupWatermark.objects.update_or_create(name=_WATERMARK, defaults={"value": started})
    return set(touched)


def rollups_last_refresh() -> datetime | None:
    mark = RollupWatermark.objects.filter(name=_WATERMARK).first()
    return mark.value.astimezone(BILLING_TZ) if mark else None


def rollups_rebuild_open(tenant_id: int, first_open: date | None) -> int:
    """Rebuilds every day that holds usage billed in an open period (from `first_open` on)."""
    with connection.cursor() as cursor:
        cursor.execute(
            f"""
            SELECT DISTINCT {_LOCAL_DAY} FROM billing_usagerecord u
             WHERE u.tenant_id = %(tenant)s
               AND (%(first)s::date IS NULL OR u.billing_period >= %(first)s)
            """,
            {"tenant": tenant_id, "first": first_open},
        )
        days = [row[0] for row in cursor.fetchall()]
    rollups_rebuild_days(tenant_id, days)
    return len(days)

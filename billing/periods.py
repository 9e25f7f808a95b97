"""Billing periods and days, cut in America/Sao_Paulo (DESIGN.md, Invariants).

A period is named by the date of its first day (`date(2026, 1, 1)` is January 2026) and spans
[00:00 of that day, 00:00 of the next month's first day) in São Paulo time. Brazil has had no
daylight saving time since 2019, so a month starts at 03:00 UTC; the code still converts through
zoneinfo rather than hard-coding the offset, so historical dates stay right.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

BILLING_TZ = ZoneInfo("America/Sao_Paulo")


def local_date(moment: datetime) -> date:
    """The São Paulo calendar day of an aware datetime."""
    if moment.tzinfo is None:
        raise ValueError("naive datetime: billing needs an aware moment")
    return moment.astimezone(BILLING_TZ).date()


def period_of(moment: datetime) -> date:
    """The billing period (first day of the São Paulo month) a moment belongs to."""
    return local_date(moment).replace(day=1)


def period_of_day(day: date) -> date:
    return day.replace(day=1)


def period_add(period: date, months: int) -> date:
    index = period.year * 12 + period.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def period_end_day(period: date) -> date:
    """The last calendar day of the period."""
    return period_add(period, 1) - timedelta(days=1)


def day_start(day: date) -> datetime:
    """00:00 of a São Paulo day, in UTC."""
    return datetime.combine(day, time(0), tzinfo=BILLING_TZ).astimezone(UTC)


def period_bounds(period: date) -> tuple[datetime, datetime]:
    """[start, end) of the period as UTC datetimes."""
    return day_start(period), day_start(period_add(period, 1))


def period_days(period: date) -> list[date]:
    last = period_end_day(period)
    return [period + timedelta(days=offset) for offset in range((last - period).days + 1)]


def period_parse(text: str) -> date:
    """Parses `YYYY-MM` (as used in URLs and the API) into a period."""
    try:
        year, month = (int(part) for part in text.split("-"))
        return date(year, month, 1)
    except (TypeError, ValueError) as error:
        raise ValueError(f"invalid period {text!r}: expected YYYY-MM") from error


def period_slug(period: date) -> str:
    return f"{period.year:04d}-{period.month:02d}"


def period_label(period: date) -> str:
    """`01/2026`, as periods are written in Brazilian documents."""
    return f"{period.month:02d}/{period.year:04d}"


def periods_between(first: date, last: date) -> list[date]:
    """Every period from `first` to `last`, both included."""
    periods: list[date] = []
    current = period_of_day(first)
    while current <= last:
        periods.append(current)
        current = period_add(current, 1)
    return periods

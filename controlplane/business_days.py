"""Brazilian business days, for the notice that planned maintenance needs (REQ 6.2.5).

The contract says planned interruptions "deverão ser comunicadas com antecedência mínima de
2 (dois) dias úteis". Our clients are public administrations, so a business day is a day their
offices are open: Monday to Friday, except national holidays and the full-day "pontos
facultativos" of the federal calendar (the yearly Portaria of the Ministério da Gestão), which the
`holidays` package ships in its OPTIONAL category:

- Carnaval Monday and Tuesday, Corpus Christi and Dia do Servidor Público (28 October) close the
  offices for the whole day: they are NOT business days.
- Ash Wednesday (offices open from 14:00) and 24 and 31 December (offices close at 14:00) are
  half days. The office is open and can read a notice that day, so they ARE business days.

Municipal and state holidays, or a federal holiday moved by that year's Portaria, are passed in as
``extra_holidays`` (a tenant's own holiday calendar reuses these functions that way).

Dates are São Paulo calendar dates (Brasília time, the contract's reference clock, REQ 6.2.19).
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta
from functools import lru_cache

from dateutil.easter import easter  # python-dateutil is a hard dependency of `holidays`
from holidays import OPTIONAL, PUBLIC
from holidays.countries.brazil import Brazil

from core.timezones import SAO_PAULO

MIN_MAINTENANCE_NOTICE_BUSINESS_DAYS = 2

_SATURDAY = 5
_ASH_WEDNESDAY_FROM_EASTER = timedelta(days=-46)


def _half_days(year: int) -> frozenset[date]:
    """Optional days on which public offices are open for part of the day."""
    return frozenset(
        {
            easter(year) + _ASH_WEDNESDAY_FROM_EASTER,
            date(year, 12, 24),
            date(year, 12, 31),
        }
    )


@lru_cache(maxsize=64)
def national_non_business_days(year: int) -> frozenset[date]:
    """National holidays and full-day federal "pontos facultativos" of one year."""
    calendar = Brazil(years=year, categories=(PUBLIC, OPTIONAL))
    return frozenset(calendar.keys()) - _half_days(year)


def is_business_day(day: date, *, extra_holidays: Collection[date] = frozenset()) -> bool:
    """Monday to Friday, not a national non-business day and not one of ``extra_holidays``."""
    if day.weekday() >= _SATURDAY:
        return False
    if day in extra_holidays:
        return False
    return day not in national_non_business_days(day.year)


def sao_paulo_date(moment: datetime) -> date:
    """The São Paulo calendar date of an aware datetime."""
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError("datetime must be timezone-aware")
    return moment.astimezone(SAO_PAULO).date()


def business_days_between(
    announced_at: datetime,
    starts_at: datetime,
    *,
    extra_holidays: Collection[date] = frozenset(),
) -> int:
    """Whole business days strictly between the announcement date and the start date.

    Neither the announcement day (it is already partly gone when the notice goes out) nor the
    start day (the interruption takes part of it) counts: only days the client has in full to
    prepare. Dates are São Paulo dates. Returns 0 when the start is not after the announcement.

    Examples (weeks without holidays): announced Wednesday → Thursday and Friday lie between a
    Saturday start, so 2; announced Thursday → a Monday start has only Friday between, so 1;
    announced Friday → a Tuesday start has only Monday between, so 1.
    """
    first = sao_paulo_date(announced_at) + timedelta(days=1)
    last = sao_paulo_date(starts_at)
    count = 0
    day = first
    while day < last:
        if is_business_day(day, extra_holidays=extra_holidays):
            count += 1
        day += timedelta(days=1)
    return count


def maintenance_notice_ok(
    announced_at: datetime,
    starts_at: datetime,
    min_business_days: int = MIN_MAINTENANCE_NOTICE_BUSINESS_DAYS,
    *,
    extra_holidays: Collection[date] = frozenset(),
) -> bool:
    """Whether a maintenance announced at ``announced_at`` may start at ``starts_at`` (REQ 6.2.5).

    "Antecedência mínima de 2 dias úteis" is read strictly: at least ``min_business_days`` whole
    business days must lie between the announcement date and the start date (see
    :func:`business_days_between`). Announced Wednesday, the earliest start is Saturday 00:00;
    announced Thursday, Tuesday; announced Friday, Wednesday.
    """
    if min_business_days < 0:
        raise ValueError("min_business_days must not be negative")
    if starts_at <= announced_at:
        return False
    between = business_days_between(announced_at, starts_at, extra_holidays=extra_holidays)
    return between >= min_business_days


def earliest_maintenance_start(
    announced_at: datetime,
    min_business_days: int = MIN_MAINTENANCE_NOTICE_BUSINESS_DAYS,
    *,
    extra_holidays: Collection[date] = frozenset(),
) -> date:
    """First São Paulo date on which a maintenance announced at ``announced_at`` may start.

    It is the day after the ``min_business_days``-th business day following the announcement
    date; the maintenance may begin at 00:00 (São Paulo) of that date.
    """
    if min_business_days < 0:
        raise ValueError("min_business_days must not be negative")
    day = sao_paulo_date(announced_at)
    if min_business_days == 0:
        return day
    counted = 0
    while counted < min_business_days:
        day += timedelta(days=1)
        if is_business_day(day, extra_holidays=extra_holidays):
            counted += 1
    return day + timedelta(days=1)

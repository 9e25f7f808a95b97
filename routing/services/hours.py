"""Whether a business-hours group is open at an instant (6.5.34), in America/Sao_Paulo.

Read from the database on every call, so a change to hours or holidays applies to the next
conversation without a restart; only the `holidays` package's static calendars are cached.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time
from functools import lru_cache

import holidays
from django.db.models import Q

from core.timezones import SAO_PAULO
from routing.models import BusinessHoursGroup, BusinessHoursInterval, Holiday, HolidayKind

MIDNIGHT = time(0, 0)


@dataclass(frozen=True)
class HoursVerdict:
    open: bool
    holiday: str = ""  # the holiday's name when that is why it is closed


@lru_cache(maxsize=512)
def _package_holidays(year: int, state: str, category: str) -> dict[date, str]:
    """One category ("public" or "optional") of the `holidays` calendar for Brazil, or for one
    state when `state` is set (which includes the national days), named in Portuguese."""
    calendar = holidays.country_holidays(
        "BR", subdiv=state or None, years=year, categories=(category,), language="pt_BR"
    )
    return {day: str(name) for day, name in calendar.items()}


def holiday_on(group: BusinessHoursGroup, day: date) -> str:
    """The name of the holiday that closes the group on `day`, or "".

    National holidays close it when it observes them; the state's own holidays when it names
    a state; optional days (pontos facultativos, e.g. Carnaval) only when it observes them;
    the tenant's municipal holidays always.
    """
    national = _package_holidays(day.year, "", "public")
    if group.observe_national_holidays and day in national:
        return national[day]
    if group.state:
        state_days = _package_holidays(day.year, group.state, "public")
        if day in state_days and day not in national:
            return state_days[day]
    if group.observe_optional_holidays:
        optional = _package_holidays(day.year, group.state, "optional")
        if day in optional:
            return optional[day]
    kinds = [HolidayKind.MUNICIPAL]
    if group.observe_optional_holidays:
        kinds.append(HolidayKind.OPTIONAL)
    own = (
        Holiday.objects.filter(kind__in=kinds)
        .filter(Q(date=day) | Q(recurring=True, date__month=day.month, date__day=day.day))
        .order_by("date")
        .values_list("name", flat=True)
        .first()
    )
    return own or ""


def national_holidays(year: int, state: str = "") -> list[tuple[date, str]]:
    """For the admin screen: the package's holidays of a year (national, and the state's)."""
    return sorted(_package_holidays(year, state, "public").items())


def interval_contains(interval: BusinessHoursInterval, moment: time) -> bool:
    """`start <= moment < end`; an end of 00:00 is the end of the day."""
    if interval.end_time == MIDNIGHT:
        return moment >= interval.start_time
    return interval.start_time <= moment < interval.end_time


def hours_verdict(group: BusinessHoursGroup | None, at: datetime) -> HoursVerdict:
    """Open or closed at `at` (any zone; judged in São Paulo). No group: always open."""
    if group is None:
        return HoursVerdict(open=True)
    local = at.astimezone(SAO_PAULO)
    holiday = holiday_on(group, local.date())
    if holiday:
        return HoursVerdict(open=False, holiday=holiday)
    moment = local.time().replace(tzinfo=None)
    intervals = BusinessHoursInterval.objects.filter(group=group, weekday=local.weekday())
    return HoursVerdict(open=any(interval_contains(item, moment) for item in intervals))

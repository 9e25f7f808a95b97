"""Availability arithmetic for the SLA report and the public status page (REQ 6.2.2-6.2.5).

Pure functions over recorded downtime intervals: no database, no Django. The contract says:

- 6.2.2: the service is available 99.9% of the contracted time, so that the monthly sum of
  unavailability is at most 45 minutes;
- 6.2.3: a downtime lasts from the fall to the recovery of the service;
- 6.2.4: interruptions caused by the client (CONTRATANTE) do not count;
- 6.2.5: planned interruptions DO count, and need 2 business days' notice
  (see :mod:`controlplane.business_days`).

Months and days are cut in America/Sao_Paulo. Durations are kept as exact integer microseconds
and turned into ``Decimal`` minutes only in the results; percentages are rounded once, with
ROUND_HALF_EVEN (ABNT NBR 5891), from the exact ratio. No float is ever involved.

Nothing after ``now`` counts: an ongoing interval (no end yet) runs until ``now``, and a scheduled
window that has not happened yet is not downtime.
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_EVEN, Context, Decimal
from enum import StrEnum
from fractions import Fraction
from itertools import pairwise

from core.timezones import SAO_PAULO

SLA_TARGET_PERCENT = Decimal("99.9")
MONTHLY_DOWNTIME_CAP_MINUTES = Decimal(45)
PLATFORM_COMPONENT = "platform"

# A single day that loses a third of the month's 45-minute allowance is shown as an outage;
# any smaller counted downtime that day is shown as degraded.
OUTAGE_DAY_THRESHOLD_MINUTES = Decimal(15)

_CAUSE_SEPARATOR = "; "
_MICROSECONDS_PER_MINUTE = 60_000_000
_ONE_MICROSECOND = timedelta(microseconds=1)
# Minutes are exact when the duration is a whole number of 0.6 s; otherwise the quotient has
# 28 significant digits, whatever context the caller has set.
_MINUTES_CONTEXT = Context(prec=28, rounding=ROUND_HALF_EVEN)


def _require_aware(moment: datetime, name: str) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{name} must be timezone-aware")


def _microseconds(duration: timedelta) -> int:
    return duration // _ONE_MICROSECOND


def _minutes(microseconds: int) -> Decimal:
    return _MINUTES_CONTEXT.divide(Decimal(microseconds), Decimal(_MICROSECONDS_PER_MINUTE))


def _overlap(start: datetime, end: datetime, window_start: datetime, window_end: datetime) -> int:
    """Microseconds of [start, end) inside [window_start, window_end)."""
    low = max(start, window_start)
    high = min(end, window_end)
    if high <= low:
        return 0
    return _microseconds(high - low)


@dataclass(frozen=True)
class DowntimeInterval:
    """One recorded unavailability of one component, from the fall to the recovery (REQ 6.2.3).

    ``end`` is None while the component is still down. ``excluded`` marks an interruption caused
    by the client (REQ 6.2.4), which must carry its ``exclusion_reason``. ``is_maintenance``
    marks planned maintenance, which still counts as downtime (REQ 6.2.5).
    """

    component: str
    start: datetime
    end: datetime | None = None
    cause: str = ""
    is_maintenance: bool = False
    excluded: bool = False
    exclusion_reason: str = ""

    def __post_init__(self) -> None:
        _require_aware(self.start, "start")
        if self.end is not None:
            _require_aware(self.end, "end")
            if self.end < self.start:
                raise ValueError("end must not be before start")
        if self.excluded and not self.exclusion_reason.strip():
            raise ValueError("an excluded interval needs an exclusion_reason")

    def end_or(self, now: datetime) -> datetime:
        """The end, with an ongoing interval and anything after ``now`` cut at ``now``."""
        if self.end is None:
            return max(self.start, now)
        return min(self.end, max(self.start, now))


@dataclass(frozen=True)
class MonthWindow:
    """A São Paulo calendar month as a half-open UTC range [start, end)."""

    year: int
    month: int
    start: datetime
    end: datetime

    def __iter__(self) -> Iterator[datetime]:
        # Lets callers write ``start, end = month_window(2026, 10)``.
        yield self.start
        yield self.end

    @property
    def microseconds(self) -> int:
        return _microseconds(self.end - self.start)

    @property
    def minutes(self) -> Decimal:
        return _minutes(self.microseconds)


def _local_midnight_utc(day: date) -> datetime:
    return datetime.combine(day, time(), tzinfo=SAO_PAULO).astimezone(UTC)


def month_window(year: int, month: int) -> MonthWindow:
    """The month from 00:00 on its first day to 00:00 on the next month's, São Paulo time.

    With today's offset (-03:00, no DST since 2019) a month starts at 03:00 UTC on its first day;
    zoneinfo keeps older months right (November 2018 lost an hour to DST, February 2019 got it
    back).
    """
    if not 1 <= month <= 12:
        raise ValueError("month must be between 1 and 12")
    next_year, next_month = (year + 1, 1) if month == 12 else (year, month + 1)
    return MonthWindow(
        year=year,
        month=month,
        start=_local_midnight_utc(date(year, month, 1)),
        end=_local_midnight_utc(date(next_year, next_month, 1)),
    )


def _ordered_unique(values: Iterable[str]) -> list[str]:
    seen: list[str] = []
    for value in values:
        if value and value not in seen:
            seen.append(value)
    return seen


def _merge_component(
    intervals: Sequence[DowntimeInterval], now: datetime
) -> list[DowntimeInterval]:
    """Merge the intervals of one component; see :func:`merge_intervals` for the rules."""
    # Sorted so that a merged piece lists its causes in the order the failures began.
    ordered = sorted(intervals, key=lambda interval: interval.start)
    spans = [(interval, interval.start, interval.end_or(now)) for interval in ordered]
    spans = [(interval, start, end) for interval, start, end in spans if end > start]
    if not spans:
        return []
    component = spans[0][0].component
    boundaries = sorted({moment for _, start, end in spans for moment in (start, end)})

    merged: list[DowntimeInterval] = []
    for low, high in pairwise(boundaries):
        covering = [interval for interval, start, end in spans if start <= low and end >= high]
        if not covering:
            continue
        counted = [interval for interval in covering if not interval.excluded]
        excluded = not counted
        sources = covering if excluded else counted
        is_maintenance = any(interval.is_maintenance for interval in sources)
        causes = [interval.cause for interval in sources]
        reasons = [interval.exclusion_reason for interval in sources] if excluded else []

        previous = merged[-1] if merged else None
        if (
            previous is not None
            and previous.end == low
            and previous.excluded == excluded
            and previous.is_maintenance == is_maintenance
        ):
            merged[-1] = replace(
                previous,
                end=high,
                cause=_CAUSE_SEPARATOR.join(
                    _ordered_unique([*previous.cause.split(_CAUSE_SEPARATOR), *causes])
                ),
                exclusion_reason=_CAUSE_SEPARATOR.join(
                    _ordered_unique([*previous.exclusion_reason.split(_CAUSE_SEPARATOR), *reasons])
                ),
            )
            continue
        merged.append(
            DowntimeInterval(
                component=component,
                start=low,
                end=high,
                cause=_CAUSE_SEPARATOR.join(_ordered_unique(causes)),
                is_maintenance=is_maintenance,
                excluded=excluded,
                exclusion_reason=_CAUSE_SEPARATOR.join(_ordered_unique(reasons)),
            )
        )
    return merged


def merge_intervals(
    intervals: Iterable[DowntimeInterval], *, now: datetime
) -> list[DowntimeInterval]:
    """Non-overlapping pieces per component, so no minute is counted twice.

    Rules, for each component separately (components are never merged with each other here;
    :func:`platform_availability` does that):

    - every interval is cut at ``now`` first (ongoing ones end at ``now``);
    - overlapping or touching intervals that count (not excluded) become one piece;
    - counted wins over excluded: where a client-caused (excluded) interval overlaps a counted
      one, that time is counted downtime; only the part of the excluded interval that no counted
      interval covers stays excluded. An excuse recorded for one incident cannot erase another
      incident that the provider owns;
    - a counted piece is maintenance where any counted interval covering it is maintenance (a
      failure during an announced window is still inside that window). Counted pieces with and
      without maintenance are adjacent, not overlapping, so the total is still counted once;
    - each piece keeps the distinct causes (and, when excluded, the reasons) of the intervals
      that cover it, joined with "; ".

    Returns pieces with a definite ``end``, sorted by component and start.
    """
    _require_aware(now, "now")
    by_component: dict[str, list[DowntimeInterval]] = {}
    for interval in intervals:
        by_component.setdefault(interval.component, []).append(interval)
    merged: list[DowntimeInterval] = []
    for component in sorted(by_component):
        merged.extend(_merge_component(by_component[component], now))
    return merged


@dataclass(frozen=True)
class ReportRow:
    """One recorded interval as it falls inside the reported month (overlaps not removed)."""

    component: str
    start: datetime
    end: datetime
    minutes: Decimal
    cause: str
    is_maintenance: bool
    excluded: bool
    exclusion_reason: str
    ongoing: bool


@dataclass(frozen=True)
class ComponentReport:
    """A month's availability of one component, or of the platform as a whole.

    ``downtime_minutes`` is counted downtime (maintenance included, client-caused excluded),
    with overlaps counted once; ``maintenance_minutes`` is the planned part of it.
    ``excluded_minutes`` is client-caused time that no counted interval covers.

    Clause 6.2.2 states two limits that disagree by a little: 99.9% of the month (43.2 minutes in
    a 30-day month, 44.64 in a 31-day one) and 45 minutes. ``within_sla`` checks the first
    exactly (not the rounded percentage), ``within_cap`` the second; ``compliant`` needs both.
    For a month still running, the percentage is over the whole month (the allowance used so far).
    """

    component: str
    window: MonthWindow
    minutes_in_month: Decimal
    downtime_minutes: Decimal
    maintenance_minutes: Decimal
    excluded_minutes: Decimal
    availability_percent: Decimal
    allowed_minutes: Decimal
    allowed_minutes_display: Decimal
    cap_minutes: Decimal
    within_cap: bool
    within_sla: bool
    is_closed: bool
    rows: tuple[ReportRow, ...]

    @property
    def compliant(self) -> bool:
        return self.within_cap and self.within_sla


def _tally(
    merged: Iterable[DowntimeInterval], start: datetime, end: datetime, now: datetime
) -> tuple[int, int, int]:
    """Microseconds of counted downtime, its maintenance part and excluded time in [start, end)."""
    downtime = maintenance = excluded = 0
    for piece in merged:
        inside = _overlap(piece.start, piece.end_or(now), start, end)
        if piece.excluded:
            excluded += inside
        else:
            downtime += inside
            if piece.is_maintenance:
                maintenance += inside
    return downtime, maintenance, excluded


def _percent_of(part: int, whole: int) -> Decimal:
    """``part / whole * 100`` to 3 decimals, half to even, from the exact ratio."""
    thousandths = round(Fraction(part * 100_000, whole))  # round() on Fraction is half-even
    return Decimal(thousandths).scaleb(-3)


def _rows(
    intervals: Iterable[DowntimeInterval], window: MonthWindow, now: datetime
) -> tuple[ReportRow, ...]:
    rows = []
    for interval in sorted(intervals, key=lambda item: (item.start, item.component)):
        start = max(interval.start, window.start)
        end = min(interval.end_or(now), window.end)
        if end <= start:
            continue
        rows.append(
            ReportRow(
                component=interval.component,
                start=start,
                end=end,
                minutes=_minutes(_microseconds(end - start)),
                cause=interval.cause,
                is_maintenance=interval.is_maintenance,
                excluded=interval.excluded,
                exclusion_reason=interval.exclusion_reason,
                ongoing=interval.end is None or interval.end > now,
            )
        )
    return tuple(rows)


def _report(
    component: str,
    intervals: Sequence[DowntimeInterval],
    merged: Sequence[DowntimeInterval],
    year: int,
    month: int,
    now: datetime,
) -> ComponentReport:
    window = month_window(year, month)
    downtime, maintenance, excluded = _tally(merged, window.start, window.end, now)
    month_microseconds = window.microseconds
    minutes_in_month = window.minutes
    allowed = minutes_in_month * (100 - SLA_TARGET_PERCENT) / 100
    return ComponentReport(
        component=component,
        window=window,
        minutes_in_month=minutes_in_month,
        downtime_minutes=_minutes(downtime),
        maintenance_minutes=_minutes(maintenance),
        excluded_minutes=_minutes(excluded),
        availability_percent=_percent_of(month_microseconds - downtime, month_microseconds),
        allowed_minutes=allowed,
        allowed_minutes_display=allowed.quantize(Decimal("0.1"), rounding=ROUND_HALF_EVEN),
        cap_minutes=MONTHLY_DOWNTIME_CAP_MINUTES,
        within_cap=downtime <= MONTHLY_DOWNTIME_CAP_MINUTES * _MICROSECONDS_PER_MINUTE,
        # Compared exactly, not through the rounded percentage: 99.8995% shows as 99.900.
        within_sla=downtime * 100 <= month_microseconds * (100 - SLA_TARGET_PERCENT),
        is_closed=now >= window.end,
        rows=_rows(intervals, window, now),
    )


def component_availability(
    intervals: Iterable[DowntimeInterval],
    year: int,
    month: int,
    now: datetime,
    *,
    component: str | None = None,
) -> ComponentReport:
    """One component's availability in a São Paulo calendar month.

    With ``component`` given, only that component's intervals are used; without it, all
    intervals must belong to one component (an empty list gives a report named "").
    An interval that crosses the month boundary counts in each month for its part there.
    """
    _require_aware(now, "now")
    selected = [i for i in intervals if component is None or i.component == component]
    names = {interval.component for interval in selected}
    if component is None and len(names) > 1:
        raise ValueError(f"intervals of several components: {sorted(names)}; pass component=")
    name = component if component is not None else next(iter(names), "")
    merged = merge_intervals(selected, now=now)
    return _report(name, selected, merged, year, month, now)


def _as_platform(intervals: Iterable[DowntimeInterval]) -> list[DowntimeInterval]:
    return [replace(interval, component=PLATFORM_COMPONENT) for interval in intervals]


def platform_availability(
    intervals: Iterable[DowntimeInterval],
    critical_components: Collection[str],
    year: int,
    month: int,
    now: datetime,
) -> ComponentReport:
    """The service as a whole: down whenever any critical component is down.

    Counted downtime is the union of the critical components' counted intervals, so two
    components down at the same time count once. Intervals of other components are ignored.
    The rows keep each interval's own component.
    """
    _require_aware(now, "now")
    if not critical_components:
        raise ValueError("critical_components must not be empty")
    selected = [i for i in intervals if i.component in critical_components]
    merged = merge_intervals(_as_platform(selected), now=now)
    return _report(PLATFORM_COMPONENT, selected, merged, year, month, now)


class DayState(StrEnum):
    OPERATIONAL = "operational"
    DEGRADED = "degraded"
    OUTAGE = "outage"


@dataclass(frozen=True)
class DayStatus:
    """One bar of the status page: a São Paulo calendar day."""

    day: date
    downtime_minutes: Decimal
    maintenance_minutes: Decimal
    excluded_minutes: Decimal
    state: DayState


def _day_state(downtime_minutes: Decimal, outage_threshold_minutes: Decimal) -> DayState:
    if downtime_minutes == 0:
        return DayState.OPERATIONAL
    if downtime_minutes < outage_threshold_minutes:
        return DayState.DEGRADED
    return DayState.OUTAGE


def daily_status(
    intervals: Iterable[DowntimeInterval],
    start_day: date,
    days: int = 90,
    *,
    now: datetime,
    outage_threshold_minutes: Decimal = OUTAGE_DAY_THRESHOLD_MINUTES,
) -> list[DayStatus]:
    """Per São Paulo day from ``start_day``, counted downtime and a state, oldest first.

    All given intervals are taken together (overlaps across components count once): pass one
    component's intervals for its bars, or the critical components' for the platform's bars.
    States: OPERATIONAL with no counted downtime; DEGRADED with some but less than
    ``outage_threshold_minutes`` (15 by default, a third of the monthly 45-minute cap); OUTAGE
    from there up. Client-caused time is reported but does not change the state. An interval
    crossing midnight counts in both days. Days after today (São Paulo) have not happened yet and
    are refused; today is reported as far as ``now``.
    """
    _require_aware(now, "now")
    if days < 1:
        raise ValueError("days must be at least 1")
    today = now.astimezone(SAO_PAULO).date()
    if start_day + timedelta(days=days - 1) > today:
        raise ValueError("the requested days go past today")
    merged = merge_intervals(_as_platform(intervals), now=now)
    result = []
    for offset in range(days):
        day = start_day + timedelta(days=offset)
        day_start = _local_midnight_utc(day)
        day_end = _local_midnight_utc(day + timedelta(days=1))
        downtime, maintenance, excluded = _tally(merged, day_start, day_end, now)
        downtime_minutes = _minutes(downtime)
        result.append(
            DayStatus(
                day=day,
                downtime_minutes=downtime_minutes,
                maintenance_minutes=_minutes(maintenance),
                excluded_minutes=_minutes(excluded),
                state=_day_state(downtime_minutes, outage_threshold_minutes),
            )
        )
    return result

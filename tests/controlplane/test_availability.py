"""Monthly availability, the 45-minute cap and the status-page days (REQ 6.2.2-6.2.5).

All times are São Paulo unless the name says UTC. A 30-day month has 43,200 minutes, a 31-day
one 44,640; 99.9% leaves 0.1% of them (43.2 and 44.64 minutes).
"""

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

import pytest

from controlplane.availability import (
    PLATFORM_COMPONENT,
    SAO_PAULO,
    DayState,
    DowntimeInterval,
    component_availability,
    daily_status,
    merge_intervals,
    month_window,
    platform_availability,
)

CLIENT_FIREWALL = "Prefeitura bloqueou no firewall o IP de saída dos webhooks"


def sp(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0, us: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, us, tzinfo=SAO_PAULO)


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def down(
    start: datetime,
    end: datetime | None,
    *,
    component: str = "api",
    cause: str = "falha",
    maintenance: bool = False,
    reason: str = "",
) -> DowntimeInterval:
    return DowntimeInterval(
        component=component,
        start=start,
        end=end,
        cause=cause,
        is_maintenance=maintenance,
        excluded=bool(reason),
        exclusion_reason=reason,
    )


AFTER_NOVEMBER = sp(2026, 12, 5)
AFTER_OCTOBER = sp(2026, 11, 5)


# --- month windows and allowances -------------------------------------------------------------


@pytest.mark.req("6.2.2")
def test_month_window_starts_at_03_utc_on_the_first_day() -> None:
    # when
    window = month_window(2026, 10)
    start, end = window

    # then
    assert start == utc(2026, 10, 1, 3) == window.start
    assert end == utc(2026, 11, 1, 3) == window.end
    assert window.minutes == Decimal(44640)  # 31 x 1,440
    assert month_window(2026, 12).end == utc(2027, 1, 1, 3)


@pytest.mark.req("6.2.2")
def test_month_window_follows_the_zone_rules_not_a_fixed_offset() -> None:
    # given Brazil's last DST: started 4 Nov 2018 (lost an hour), ended 17 Feb 2019 (got it back)
    november_2018 = month_window(2018, 11)
    february_2019 = month_window(2019, 2)

    # then November 2018 ends at 02:00 UTC (-02:00) and is 60 minutes short of 43,200
    assert november_2018.start == utc(2018, 11, 1, 3)
    assert november_2018.end == utc(2018, 12, 1, 2)
    assert november_2018.minutes == Decimal(43140)
    # and February 2019 starts at 02:00 UTC and is 60 minutes longer than 40,320
    assert february_2019.start == utc(2019, 2, 1, 2)
    assert february_2019.end == utc(2019, 3, 1, 3)
    assert february_2019.minutes == Decimal(40380)


def test_month_window_refuses_month_13() -> None:
    with pytest.raises(ValueError, match="between 1 and 12"):
        month_window(2026, 13)


@pytest.mark.req("6.2.2")
@pytest.mark.parametrize(
    ("year", "month", "minutes", "allowed", "shown"),
    [
        (2027, 2, 40320, "40.32", "40.3"),  # 28 days: 40,320 x 0.001
        (2028, 2, 41760, "41.76", "41.8"),  # 29 days (leap year)
        (2026, 11, 43200, "43.2", "43.2"),  # 30 days
        (2026, 10, 44640, "44.64", "44.6"),  # 31 days
    ],
)
def test_allowance_is_0_1_percent_of_the_month_and_a_clean_month_is_100_percent(
    year: int, month: int, minutes: int, allowed: str, shown: str
) -> None:
    # given no downtime at all, the month over
    now = month_window(year, month).end + timedelta(days=1)

    # when
    report = component_availability([], year, month, now, component="api")

    # then
    assert report.component == "api"
    assert report.minutes_in_month == Decimal(minutes)
    assert report.allowed_minutes == Decimal(allowed)
    assert str(report.allowed_minutes_display) == shown
    assert report.cap_minutes == Decimal(45)
    assert report.downtime_minutes == Decimal(0)
    assert str(report.availability_percent) == "100.000"
    assert report.within_cap is True
    assert report.within_sla is True
    assert report.compliant is True
    assert report.is_closed is True
    assert report.rows == ()


# --- the 45-minute cap against 99.9% ---------------------------------------------------------


@pytest.mark.req("6.2.2")
def test_exactly_45_minutes_in_a_31_day_month_is_within_the_cap_but_not_99_9() -> None:
    # given 45 minutes down in October 2026 (31 days)
    intervals = [down(sp(2026, 10, 14, 3), sp(2026, 10, 14, 3, 45))]

    # when
    report = component_availability(intervals, 2026, 10, AFTER_OCTOBER)

    # then (44,640 - 45) / 44,640 = 99.89919…% → 99.899; 45 > 44.64 allowed
    assert report.downtime_minutes == Decimal(45)
    assert report.availability_percent == Decimal("99.899")
    assert report.within_cap is True
    assert report.within_sla is False
    assert report.compliant is False


@pytest.mark.req("6.2.2")
def test_one_second_over_45_minutes_breaks_the_cap() -> None:
    intervals = [down(sp(2026, 10, 14, 3), sp(2026, 10, 14, 3, 45, 1))]

    report = component_availability(intervals, 2026, 10, AFTER_OCTOBER)

    # 2,701 s / 60 = 45.01666… minutes
    assert report.downtime_minutes == Decimal(2701) / Decimal(60)
    assert report.within_cap is False


@pytest.mark.req("6.2.2")
def test_44_64_minutes_in_a_31_day_month_is_exactly_99_9_percent() -> None:
    # given 44 min 38.4 s = 44.64 minutes, the whole 0.1% of October
    intervals = [down(sp(2026, 10, 14, 3), sp(2026, 10, 14, 3, 44, 38, 400_000))]

    report = component_availability(intervals, 2026, 10, AFTER_OCTOBER)

    assert report.downtime_minutes == Decimal("44.64")
    assert str(report.availability_percent) == "99.900"
    assert report.within_sla is True
    assert report.within_cap is True
    assert report.compliant is True


@pytest.mark.req("6.2.2")
def test_45_minutes_in_a_30_day_month() -> None:
    intervals = [down(sp(2026, 11, 14, 3), sp(2026, 11, 14, 3, 45))]

    report = component_availability(intervals, 2026, 11, AFTER_NOVEMBER)

    # (43,200 - 45) / 43,200 = 99.895833…% → 99.896; 45 > 43.2
    assert report.availability_percent == Decimal("99.896")
    assert (report.within_cap, report.within_sla) == (True, False)


@pytest.mark.req("6.2.2")
def test_percentage_rounds_half_to_even() -> None:
    # given 298.08 s = 4.968 min in November: 4.968 / 43,200 = 0.0115% → exactly 99.9885%
    intervals = [down(sp(2026, 11, 14, 3), sp(2026, 11, 14, 3, 4, 58, 80_000))]

    report = component_availability(intervals, 2026, 11, AFTER_NOVEMBER)

    # then half-even keeps the even 8 (half-up would say 99.989)
    assert report.downtime_minutes == Decimal("4.968")
    assert report.availability_percent == Decimal("99.988")


@pytest.mark.req("6.2.2")
def test_within_sla_is_exact_even_when_the_rounded_percentage_shows_99_900() -> None:
    # given 2,604.96 s = 43.416 min in November: 43.416 / 43,200 = 0.1005% → exactly 99.8995%
    intervals = [down(sp(2026, 11, 14, 3), sp(2026, 11, 14, 3, 43, 24, 960_000))]

    report = component_availability(intervals, 2026, 11, AFTER_NOVEMBER)

    # then it is shown as 99.900 (half-even, the 9 is odd) but 43.416 > 43.2 allowed
    assert report.availability_percent == Decimal("99.900")
    assert report.within_sla is False
    assert report.within_cap is True


# --- merging ----------------------------------------------------------------------------------


@pytest.mark.req("6.2.3")
def test_merge_joins_overlapping_and_touching_intervals_of_one_component() -> None:
    # given api: 10:00-10:20 and 10:10-10:30 overlap, 10:30-10:40 touches; web apart
    intervals = [
        down(sp(2026, 11, 10, 10, 10), sp(2026, 11, 10, 10, 30), cause="timeout no banco"),
        down(sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 20), cause="timeout no banco"),
        down(sp(2026, 11, 10, 10, 30), sp(2026, 11, 10, 10, 40), cause="deploy com erro"),
        down(sp(2026, 11, 10, 10, 5), sp(2026, 11, 10, 10, 15), component="web"),
    ]

    # when
    merged = merge_intervals(intervals, now=AFTER_NOVEMBER)

    # then
    assert merged == [
        DowntimeInterval(
            component="api",
            start=sp(2026, 11, 10, 10),
            end=sp(2026, 11, 10, 10, 40),
            cause="timeout no banco; deploy com erro",
        ),
        DowntimeInterval(
            component="web",
            start=sp(2026, 11, 10, 10, 5),
            end=sp(2026, 11, 10, 10, 15),
            cause="falha",
        ),
    ]
    # and the api's 20 + 20 + 10 recorded minutes count as 40
    report = component_availability(intervals, 2026, 11, AFTER_NOVEMBER, component="api")
    assert report.downtime_minutes == Decimal(40)
    assert [row.minutes for row in report.rows] == [Decimal(20), Decimal(20), Decimal(10)]


@pytest.mark.req("6.2.4")
def test_counted_wins_where_an_excluded_interval_overlaps_it() -> None:
    # given our outage 10:00-10:30 and a client-caused one 10:20-10:50
    ours = down(sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 30), cause="queda do balanceador")
    theirs = down(
        sp(2026, 11, 10, 10, 20),
        sp(2026, 11, 10, 10, 50),
        cause="firewall da prefeitura",
        reason=CLIENT_FIREWALL,
    )

    # when
    merged = merge_intervals([theirs, ours], now=AFTER_NOVEMBER)

    # then 10:20-10:30 is ours; only 10:30-10:50 is excluded
    assert merged == [
        DowntimeInterval(
            "api", sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 30), "queda do balanceador"
        ),
        DowntimeInterval(
            "api",
            sp(2026, 11, 10, 10, 30),
            sp(2026, 11, 10, 10, 50),
            "firewall da prefeitura",
            excluded=True,
            exclusion_reason=CLIENT_FIREWALL,
        ),
    ]
    report = component_availability([theirs, ours], 2026, 11, AFTER_NOVEMBER)
    assert report.downtime_minutes == Decimal(30)
    assert report.excluded_minutes == Decimal(20)


@pytest.mark.req("6.2.4")
def test_an_excluded_interval_around_a_counted_one_is_split() -> None:
    # given a client outage 09:00-11:00 and, inside it, our failure 10:00-10:10
    theirs = down(sp(2026, 11, 10, 9), sp(2026, 11, 10, 11), reason=CLIENT_FIREWALL)
    ours = down(sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 10), cause="disco cheio")

    merged = merge_intervals([theirs, ours], now=AFTER_NOVEMBER)

    assert [(piece.start, piece.end, piece.excluded) for piece in merged] == [
        (sp(2026, 11, 10, 9), sp(2026, 11, 10, 10), True),
        (sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 10), False),
        (sp(2026, 11, 10, 10, 10), sp(2026, 11, 10, 11), True),
    ]
    report = component_availability([theirs, ours], 2026, 11, AFTER_NOVEMBER)
    assert report.downtime_minutes == Decimal(10)
    assert report.excluded_minutes == Decimal(110)


# --- what counts -------------------------------------------------------------------------------


@pytest.mark.req("6.2.3")
@pytest.mark.req("6.2.4")
@pytest.mark.req("6.2.5")
def test_maintenance_counts_and_client_caused_time_does_not() -> None:
    # given in November 2026:
    #   Sun 8, 02:00-02:20 announced maintenance      20 min, counted
    #   Thu 12, 14:00-14:05 unplanned failure          5 min, counted
    #   Fri 13, 16:00-17:00 client's firewall         60 min, excluded
    intervals = [
        down(sp(2026, 11, 13, 16), sp(2026, 11, 13, 17), cause="firewall", reason=CLIENT_FIREWALL),
        down(sp(2026, 11, 8, 2), sp(2026, 11, 8, 2, 20), cause="atualização", maintenance=True),
        down(sp(2026, 11, 12, 14), sp(2026, 11, 12, 14, 5), cause="erro 502"),
    ]

    # when
    report = component_availability(intervals, 2026, 11, AFTER_NOVEMBER)

    # then (43,200 - 25) / 43,200 = 99.942129…% → 99.942
    assert report.downtime_minutes == Decimal(25)
    assert report.maintenance_minutes == Decimal(20)
    assert report.excluded_minutes == Decimal(60)
    assert report.availability_percent == Decimal("99.942")
    assert report.compliant is True
    # and the rows are the record, oldest first, with the justification of the exclusion
    assert [
        (row.start, row.end, row.minutes, row.is_maintenance, row.excluded, row.exclusion_reason)
        for row in report.rows
    ] == [
        (sp(2026, 11, 8, 2), sp(2026, 11, 8, 2, 20), Decimal(20), True, False, ""),
        (sp(2026, 11, 12, 14), sp(2026, 11, 12, 14, 5), Decimal(5), False, False, ""),
        (sp(2026, 11, 13, 16), sp(2026, 11, 13, 17), Decimal(60), False, True, CLIENT_FIREWALL),
    ]


@pytest.mark.req("6.2.5")
def test_a_failure_during_maintenance_counts_once_and_the_overlap_is_maintenance() -> None:
    # given maintenance 02:00-02:20 and a failure 02:10-02:30
    intervals = [
        down(sp(2026, 11, 8, 2), sp(2026, 11, 8, 2, 20), maintenance=True),
        down(sp(2026, 11, 8, 2, 10), sp(2026, 11, 8, 2, 30)),
    ]

    report = component_availability(intervals, 2026, 11, AFTER_NOVEMBER)

    # then 02:00-02:30 = 30 down, of which 02:00-02:20 = 20 maintenance
    assert report.downtime_minutes == Decimal(30)
    assert report.maintenance_minutes == Decimal(20)


@pytest.mark.req("6.2.3")
def test_an_interval_crossing_the_month_boundary_is_split_between_months() -> None:
    # given 2026-10-31 23:50 → 2026-11-01 00:20 São Paulo (02:50 → 03:20 UTC)
    intervals = [down(sp(2026, 10, 31, 23, 50), sp(2026, 11, 1, 0, 20))]

    # when
    october = component_availability(intervals, 2026, 10, AFTER_NOVEMBER)
    november = component_availability(intervals, 2026, 11, AFTER_NOVEMBER)

    # then October gets 10 minutes: (44,640 - 10) / 44,640 = 99.977598…% → 99.978
    assert october.downtime_minutes == Decimal(10)
    assert october.availability_percent == Decimal("99.978")
    [october_row] = october.rows
    assert (october_row.start, october_row.end) == (utc(2026, 11, 1, 2, 50), utc(2026, 11, 1, 3))
    assert october_row.minutes == Decimal(10)
    # and November 20: (43,200 - 20) / 43,200 = 99.953703…% → 99.954
    assert november.downtime_minutes == Decimal(20)
    assert november.availability_percent == Decimal("99.954")
    [november_row] = november.rows
    assert (november_row.start, november_row.end) == (utc(2026, 11, 1, 3), utc(2026, 11, 1, 3, 20))


@pytest.mark.req("6.2.3")
def test_an_ongoing_interval_runs_until_now_and_the_future_does_not_count() -> None:
    # given api down since 10:00 and still down at 10:12:30, and maintenance scheduled next week
    now = sp(2026, 11, 20, 10, 12, 30)
    intervals = [
        down(sp(2026, 11, 20, 10), None, cause="sem resposta"),
        down(sp(2026, 11, 27, 2), sp(2026, 11, 27, 3), maintenance=True),
    ]

    # when
    report = component_availability(intervals, 2026, 11, now)

    # then 12.5 minutes: (43,200 - 12.5) / 43,200 = 99.971064…% → 99.971
    assert report.downtime_minutes == Decimal("12.5")
    assert report.maintenance_minutes == Decimal(0)
    assert report.availability_percent == Decimal("99.971")
    assert report.is_closed is False
    [row] = report.rows
    assert (row.start, row.end, row.minutes, row.ongoing) == (
        sp(2026, 11, 20, 10),
        now,
        Decimal("12.5"),
        True,
    )


# --- the platform as a whole ------------------------------------------------------------------


@pytest.mark.req("6.2.2")
@pytest.mark.req("6.2.3")
def test_platform_is_down_when_any_critical_component_is_down_counted_once() -> None:
    # given on 10 Nov 2026 (critical: api, database):
    #   api       10:00-10:20  20 min
    #   database  10:10-10:30  20 min, overlaps the api by 10
    #   database  10:25-10:45  client-caused; 10:30-10:45 is not covered by a counted interval
    #   widget    12:00-13:00  not critical
    intervals = [
        down(sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 20), component="api"),
        down(sp(2026, 11, 10, 10, 10), sp(2026, 11, 10, 10, 30), component="database"),
        down(
            sp(2026, 11, 10, 10, 25),
            sp(2026, 11, 10, 10, 45),
            component="database",
            reason=CLIENT_FIREWALL,
        ),
        down(sp(2026, 11, 10, 12), sp(2026, 11, 10, 13), component="webchat-widget"),
    ]

    # when
    report = platform_availability(intervals, {"api", "database"}, 2026, 11, AFTER_NOVEMBER)

    # then 10:00-10:30 = 30 minutes, not 40: (43,200 - 30) / 43,200 = 99.930555…% → 99.931
    assert report.component == PLATFORM_COMPONENT
    assert report.downtime_minutes == Decimal(30)
    assert report.excluded_minutes == Decimal(15)
    assert report.availability_percent == Decimal("99.931")
    # and the rows keep each interval's own component and minutes
    assert [(row.component, row.minutes, row.excluded) for row in report.rows] == [
        ("api", Decimal(20), False),
        ("database", Decimal(20), False),
        ("database", Decimal(20), True),
    ]
    # and each component alone had 20 minutes
    api = component_availability(intervals, 2026, 11, AFTER_NOVEMBER, component="api")
    database = component_availability(intervals, 2026, 11, AFTER_NOVEMBER, component="database")
    assert (api.downtime_minutes, database.downtime_minutes) == (Decimal(20), Decimal(20))
    assert database.excluded_minutes == Decimal(15)


def test_platform_needs_critical_components() -> None:
    with pytest.raises(ValueError, match="must not be empty"):
        platform_availability([], set(), 2026, 11, AFTER_NOVEMBER)


def test_mixed_components_need_a_component_argument() -> None:
    intervals = [
        down(sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 20), component="api"),
        down(sp(2026, 11, 10, 10), sp(2026, 11, 10, 10, 20), component="web"),
    ]
    with pytest.raises(ValueError, match="several components"):
        component_availability(intervals, 2026, 11, AFTER_NOVEMBER)


# --- the status page's days -------------------------------------------------------------------


@pytest.mark.req("6.2.3")
def test_daily_status_splits_intervals_at_sao_paulo_midnight() -> None:
    # given the month-boundary interval (10 + 20 minutes) and another crossing midnight
    # 1 → 2 Nov 23:55-00:05 (5 + 5), plus a client-caused hour on 3 Nov
    intervals = [
        down(sp(2026, 10, 31, 23, 50), sp(2026, 11, 1, 0, 20)),
        down(sp(2026, 11, 1, 23, 55), sp(2026, 11, 2, 0, 5)),
        down(sp(2026, 11, 3, 9), sp(2026, 11, 3, 10), reason=CLIENT_FIREWALL),
    ]

    # when
    days = daily_status(intervals, date(2026, 10, 30), days=5, now=sp(2026, 11, 3, 18))

    # then 1 Nov has 20 + 5 = 25 minutes (outage, ≥ 15); 31 Oct 10 and 2 Nov 5 (degraded)
    assert [(d.day, d.downtime_minutes, d.excluded_minutes, d.state) for d in days] == [
        (date(2026, 10, 30), Decimal(0), Decimal(0), DayState.OPERATIONAL),
        (date(2026, 10, 31), Decimal(10), Decimal(0), DayState.DEGRADED),
        (date(2026, 11, 1), Decimal(25), Decimal(0), DayState.OUTAGE),
        (date(2026, 11, 2), Decimal(5), Decimal(0), DayState.DEGRADED),
        (date(2026, 11, 3), Decimal(0), Decimal(60), DayState.OPERATIONAL),
    ]


@pytest.mark.req("6.2.5")
@pytest.mark.parametrize(
    ("minutes", "state"),
    [
        (0, DayState.OPERATIONAL),
        (14, DayState.DEGRADED),
        (15, DayState.OUTAGE),
    ],
)
def test_daily_state_thresholds_count_maintenance(minutes: int, state: DayState) -> None:
    # given a maintenance window of that many minutes (planned downtime is downtime)
    start = sp(2026, 11, 8, 2)
    intervals = (
        [down(start, start + timedelta(minutes=minutes), maintenance=True)] if minutes else []
    )

    [day] = daily_status(intervals, date(2026, 11, 8), days=1, now=AFTER_NOVEMBER)

    assert day.state is state
    assert day.maintenance_minutes == Decimal(minutes)


def test_daily_status_defaults_to_90_days_and_merges_components() -> None:
    # given today is 20 Nov 2026 and two components down together 10:00-10:10 / 10:05-10:15
    now = sp(2026, 11, 20, 12)
    intervals = [
        down(sp(2026, 11, 20, 10), sp(2026, 11, 20, 10, 10), component="api"),
        down(sp(2026, 11, 20, 10, 5), sp(2026, 11, 20, 10, 15), component="database"),
    ]

    # when the bars start 89 days ago
    days = daily_status(intervals, date(2026, 11, 20) - timedelta(days=89), now=now)

    # then 90 bars from 23 Aug to today; today has 10:00-10:15 = 15 minutes once
    assert len(days) == 90
    assert days[0].day == date(2026, 8, 23)
    assert days[-1].day == date(2026, 11, 20)
    assert days[-1].downtime_minutes == Decimal(15)
    assert sum(d.downtime_minutes for d in days) == Decimal(15)


def test_daily_status_refuses_days_after_today() -> None:
    with pytest.raises(ValueError, match="past today"):
        daily_status([], date(2026, 11, 20), days=2, now=sp(2026, 11, 20, 12))


# --- recording rules ----------------------------------------------------------------------------


@pytest.mark.req("6.2.4")
def test_an_excluded_interval_needs_a_justification() -> None:
    with pytest.raises(ValueError, match="exclusion_reason"):
        DowntimeInterval("api", sp(2026, 11, 10, 10), sp(2026, 11, 10, 11), excluded=True)
    with pytest.raises(ValueError, match="exclusion_reason"):
        DowntimeInterval(
            "api", sp(2026, 11, 10, 10), sp(2026, 11, 10, 11), excluded=True, exclusion_reason="  "
        )


def test_interval_times_must_be_aware_and_ordered() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        DowntimeInterval("api", datetime(2026, 11, 10, 10), None)
    with pytest.raises(ValueError, match="before start"):
        DowntimeInterval("api", sp(2026, 11, 10, 11), sp(2026, 11, 10, 10))
    with pytest.raises(ValueError, match="timezone-aware"):
        component_availability([], 2026, 11, datetime(2026, 12, 1), component="api")

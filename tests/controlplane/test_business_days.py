"""Business days and the 2-business-day maintenance notice (REQ 6.2.5).

Weekdays in the comments were checked against the calendar; "between" means the whole days
strictly after the announcement date and strictly before the start date (São Paulo dates).
"""

from datetime import UTC, date, datetime, timedelta

import pytest
from holidays import OPTIONAL, PUBLIC
from holidays.countries.brazil import Brazil

from controlplane.business_days import (
    SAO_PAULO,
    business_days_between,
    earliest_maintenance_start,
    is_business_day,
    maintenance_notice_ok,
    national_non_business_days,
)


def sp(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=SAO_PAULO)


# --- the holiday calendar -------------------------------------------------------------------


@pytest.mark.req("6.2.5")
def test_installed_holidays_package_files_carnaval_and_corpus_christi_as_optional() -> None:
    # given the two categories of the installed `holidays` package, for 2027
    public = Brazil(years=2027, categories=(PUBLIC,))
    optional = Brazil(years=2027, categories=(OPTIONAL,))

    # then Carnaval (Mon 8, Tue 9 Feb), Ash Wednesday (10 Feb) and Corpus Christi (27 May) are
    # federal "pontos facultativos", not public holidays: we must ask for OPTIONAL too
    for day in (date(2027, 2, 8), date(2027, 2, 9), date(2027, 2, 10), date(2027, 5, 27)):
        assert day not in public
        assert day in optional
    # and Consciência Negra is a public (national) holiday
    assert date(2027, 11, 20) in public


@pytest.mark.req("6.2.5")
def test_national_non_business_days_of_2027_leave_out_the_half_days() -> None:
    # when
    days = national_non_business_days(2027)

    # then the 10 public holidays plus Carnaval (2), Corpus Christi and Dia do Servidor,
    # without Ash Wednesday, 24 Dec and 31 Dec (offices open part of the day)
    assert sorted(days) == [
        date(2027, 1, 1),
        date(2027, 2, 8),
        date(2027, 2, 9),
        date(2027, 3, 26),
        date(2027, 4, 21),
        date(2027, 5, 1),
        date(2027, 5, 27),
        date(2027, 9, 7),
        date(2027, 10, 12),
        date(2027, 10, 28),
        date(2027, 11, 2),
        date(2027, 11, 15),
        date(2027, 11, 20),
        date(2027, 12, 25),
    ]


@pytest.mark.req("6.2.5")
@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2027, 2, 5), True),  # Friday before Carnaval
        (date(2027, 2, 8), False),  # Carnaval Monday
        (date(2027, 2, 9), False),  # Carnaval Tuesday
        (date(2027, 2, 10), True),  # Ash Wednesday: offices open from 14:00
        (date(2027, 5, 27), False),  # Corpus Christi (Thursday)
        (date(2027, 5, 28), True),  # the Friday after it is an ordinary day
        (date(2027, 10, 28), False),  # Dia do Servidor Público (Thursday)
        (date(2026, 11, 15), False),  # Proclamação da República on a Sunday
        (date(2026, 11, 16), True),  # Brazil does not move it to Monday
        (date(2026, 11, 20), False),  # Consciência Negra (Friday), national since 2024
        (date(2023, 11, 20), True),  # Monday, before the law made it national
        (date(2026, 12, 24), True),  # Christmas Eve (Thursday): offices close at 14:00
        (date(2026, 12, 25), False),  # Christmas (Friday)
        (date(2026, 12, 31), True),  # New Year's Eve (Thursday): offices close at 14:00
        (date(2027, 1, 1), False),  # New Year (Friday)
        (date(2026, 8, 15), False),  # Saturday
        (date(2026, 8, 16), False),  # Sunday
        (date(2026, 8, 17), True),  # Monday
    ],
)
def test_is_business_day(day: date, expected: bool) -> None:
    assert is_business_day(day) is expected


@pytest.mark.req("6.2.5")
def test_extra_holidays_add_a_municipal_holiday() -> None:
    # given São Paulo's anniversary, 25 January 2027, a Monday
    anniversary = date(2027, 1, 25)

    # then it is a business day nationally, not for the city's calendar
    assert is_business_day(anniversary) is True
    assert is_business_day(anniversary, extra_holidays={anniversary}) is False


# --- what "2 business days in advance" means --------------------------------------------------


@pytest.mark.req("6.2.5")
@pytest.mark.parametrize(
    ("announced", "starts", "between", "ok"),
    [
        # announced Wednesday 12 Aug 2026: Thu 13 and Fri 14 lie between a Saturday start
        (sp(2026, 8, 12, 9), sp(2026, 8, 15, 0), 2, True),
        # ... but only Thu 13 between a Friday start
        (sp(2026, 8, 12, 9), sp(2026, 8, 14, 22), 1, False),
        # announced Thursday 13 Aug: a Monday start has only Fri 14 between
        (sp(2026, 8, 13, 9), sp(2026, 8, 17, 2), 1, False),
        # ... a Tuesday start has Fri 14 and Mon 17
        (sp(2026, 8, 13, 9), sp(2026, 8, 18, 2), 2, True),
        # announced Friday 14 Aug: a Tuesday start has only Mon 17 between
        (sp(2026, 8, 14, 9), sp(2026, 8, 18, 2), 1, False),
        # ... a Wednesday start has Mon 17 and Tue 18
        (sp(2026, 8, 14, 9), sp(2026, 8, 19, 2), 2, True),
        # same day: nothing between
        (sp(2026, 8, 14, 9), sp(2026, 8, 14, 23), 0, False),
    ],
)
def test_notice_counts_whole_business_days_between(
    announced: datetime, starts: datetime, between: int, ok: bool
) -> None:
    assert business_days_between(announced, starts) == between
    assert maintenance_notice_ok(announced, starts) is ok


@pytest.mark.req("6.2.5")
@pytest.mark.parametrize(
    ("announced", "earliest"),
    [
        # Wednesday → Thu, Fri → Saturday
        (sp(2026, 8, 12, 9), date(2026, 8, 15)),
        # Thursday → Fri, Mon → Tuesday
        (sp(2026, 8, 13, 9), date(2026, 8, 18)),
        # Friday → Mon, Tue → Wednesday
        (sp(2026, 8, 14, 9), date(2026, 8, 19)),
        # Friday 5 Feb 2027 before Carnaval: Mon 8, Tue 9 off; Ash Wed 10, Thu 11 → Friday 12
        (sp(2027, 2, 5, 9), date(2027, 2, 12)),
        # Tuesday 25 May 2027: Wed 26, Corpus Christi Thu 27 off, Fri 28 → Saturday 29
        (sp(2027, 5, 25, 9), date(2027, 5, 29)),
        # long weekend, Consciência Negra on Friday 20 Nov 2026:
        # Wednesday 18 → Thu 19, Mon 23 → Tuesday 24
        (sp(2026, 11, 18, 9), date(2026, 11, 24)),
        # Thursday 19 → (Fri 20 off) Mon 23, Tue 24 → Wednesday 25
        (sp(2026, 11, 19, 9), date(2026, 11, 25)),
        # Christmas on Friday: Wednesday 23 Dec 2026 → Thu 24 (half day), Mon 28 → Tuesday 29
        (sp(2026, 12, 23, 9), date(2026, 12, 29)),
        # New Year on Friday: Wednesday 30 Dec 2026 → Thu 31 (half day), Mon 4 Jan → Tue 5 Jan
        (sp(2026, 12, 30, 9), date(2027, 1, 5)),
        # announced on a Saturday: Mon 17, Tue 18 → Wednesday
        (sp(2026, 8, 15, 9), date(2026, 8, 19)),
    ],
)
def test_earliest_maintenance_start(announced: datetime, earliest: date) -> None:
    # when
    result = earliest_maintenance_start(announced)

    # then the earliest start date is OK at 00:00 and the day before is not
    assert result == earliest
    midnight = datetime(earliest.year, earliest.month, earliest.day, tzinfo=SAO_PAULO)
    assert maintenance_notice_ok(announced, midnight) is True
    assert maintenance_notice_ok(announced, midnight - timedelta(minutes=1)) is False


@pytest.mark.req("6.2.5")
def test_carnaval_and_corpus_christi_weeks_reject_short_notice() -> None:
    # announced Fri 5 Feb 2027 for Thu 11: only Ash Wednesday lies between that is a business day
    assert business_days_between(sp(2027, 2, 5, 9), sp(2027, 2, 11, 1)) == 1
    assert maintenance_notice_ok(sp(2027, 2, 5, 9), sp(2027, 2, 11, 1)) is False
    # announced Tue 25 May 2027 for Fri 28: Wed 26 only (Corpus Christi off)
    assert business_days_between(sp(2027, 5, 25, 9), sp(2027, 5, 28, 1)) == 1
    assert maintenance_notice_ok(sp(2027, 5, 25, 9), sp(2027, 5, 28, 1)) is False


@pytest.mark.req("6.2.5")
def test_announcement_date_is_the_sao_paulo_date_not_the_utc_date() -> None:
    # given an announcement on Wednesday 12 Aug 2026 at 23:30 São Paulo = Thursday 02:30 UTC
    announced = datetime(2026, 8, 13, 2, 30, tzinfo=UTC)

    # then it is a Wednesday announcement: a Saturday start is fine
    assert earliest_maintenance_start(announced) == date(2026, 8, 15)
    assert maintenance_notice_ok(announced, sp(2026, 8, 15, 0)) is True


@pytest.mark.req("6.2.5")
def test_extra_holidays_lengthen_the_notice() -> None:
    # given a municipal holiday on Thursday 13 Aug 2026 and an announcement on Wednesday 12
    municipal = {date(2026, 8, 13)}

    # then Fri 14 and Mon 17 are the two business days → Tuesday 18
    assert earliest_maintenance_start(sp(2026, 8, 12, 9), extra_holidays=municipal) == date(
        2026, 8, 18
    )
    assert (
        maintenance_notice_ok(sp(2026, 8, 12, 9), sp(2026, 8, 15, 0), extra_holidays=municipal)
        is False
    )


def test_start_before_announcement_is_never_ok() -> None:
    assert maintenance_notice_ok(sp(2026, 8, 20, 9), sp(2026, 8, 10, 0)) is False
    assert business_days_between(sp(2026, 8, 20, 9), sp(2026, 8, 10, 0)) == 0
    assert (
        maintenance_notice_ok(sp(2026, 8, 20, 9), sp(2026, 8, 20, 9), min_business_days=0) is False
    )


def test_zero_notice_allows_the_same_day() -> None:
    assert earliest_maintenance_start(sp(2026, 8, 14, 9), min_business_days=0) == date(2026, 8, 14)
    assert maintenance_notice_ok(sp(2026, 8, 14, 9), sp(2026, 8, 14, 10), min_business_days=0)


def test_naive_datetimes_and_negative_notice_are_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        business_days_between(datetime(2026, 8, 12, 9), sp(2026, 8, 15))
    with pytest.raises(ValueError, match="must not be negative"):
        maintenance_notice_ok(sp(2026, 8, 12, 9), sp(2026, 8, 15), min_business_days=-1)
    with pytest.raises(ValueError, match="must not be negative"):
        earliest_maintenance_start(sp(2026, 8, 12, 9), min_business_days=-1)

"""Periods and days are cut in America/Sao_Paulo: a month starts at 03:00 UTC on its first day."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from billing.periods import (
    local_date,
    period_add,
    period_bounds,
    period_days,
    period_label,
    period_of,
    period_parse,
)


@pytest.mark.parametrize(
    ("moment", "period"),
    [
        (datetime(2026, 2, 1, 2, 59, 59, tzinfo=UTC), date(2026, 1, 1)),
        (datetime(2026, 2, 1, 3, 0, 0, tzinfo=UTC), date(2026, 2, 1)),
        (datetime(2026, 1, 1, 2, 59, 59, tzinfo=UTC), date(2025, 12, 1)),
        (datetime(2026, 1, 1, 3, 0, 0, tzinfo=UTC), date(2026, 1, 1)),
        (datetime(2026, 3, 31, 23, 0, 0, tzinfo=UTC), date(2026, 3, 1)),
    ],
)
def test_month_boundary_in_sao_paulo(moment: datetime, period: date) -> None:
    assert period_of(moment) == period


def test_day_boundary_in_sao_paulo() -> None:
    assert local_date(datetime(2026, 3, 11, 2, 59, tzinfo=UTC)) == date(2026, 3, 10)
    assert local_date(datetime(2026, 3, 11, 3, 0, tzinfo=UTC)) == date(2026, 3, 11)


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="naive"):
        period_of(datetime(2026, 1, 1, 12, 0))


def test_period_bounds_are_utc_instants() -> None:
    start, end = period_bounds(date(2026, 2, 1))
    assert start == datetime(2026, 2, 1, 3, 0, tzinfo=UTC)
    assert end == datetime(2026, 3, 1, 3, 0, tzinfo=UTC)


def test_period_arithmetic_and_names() -> None:
    assert period_add(date(2026, 12, 1), 1) == date(2027, 1, 1)
    assert period_add(date(2026, 1, 1), -1) == date(2025, 12, 1)
    assert len(period_days(date(2026, 2, 1))) == 28
    assert len(period_days(date(2028, 2, 1))) == 29
    assert period_label(date(2026, 1, 1)) == "01/2026"
    assert period_parse("2026-03") == date(2026, 3, 1)
    with pytest.raises(ValueError):
        period_parse("março")

"""Money is exact Decimal, rounded once to cents half-even (ABNT NBR 5891), shown in pt-BR."""

from __future__ import annotations

from decimal import Decimal

import pytest

from billing.money import (
    format_brl,
    format_decimal_plain,
    format_number,
    line_amount,
    round_cents,
    to_cents,
    to_decimal,
    unit_price,
)


@pytest.mark.req("6.6.4.6")
def test_the_issue_example_is_exact_then_rounded_once() -> None:
    amount = line_amount(1_234_567, Decimal("0.0457"))

    assert amount == Decimal("56419.7119")
    assert round_cents(amount) == Decimal("56419.71")
    assert to_cents(amount) == 5_641_971
    assert format_brl(amount, 4) == "R$ 56.419,7119"
    assert format_brl(round_cents(amount)) == "R$ 56.419,71"


@pytest.mark.parametrize(
    ("exact", "billed"),
    [
        ("0.125", "0.12"),  # tie: to the even cent below
        ("0.135", "0.14"),  # tie: to the even cent above
        ("2.675", "2.68"),
        ("2.665", "2.66"),
        ("0.0050", "0.00"),
        ("0.0150", "0.02"),
        ("0.1251", "0.13"),  # not a tie: nearest
        ("-0.125", "-0.12"),
        ("56419.7150", "56419.72"),
        ("56419.7250", "56419.72"),
    ],
)
def test_half_even_rounding(exact: str, billed: str) -> None:
    assert round_cents(Decimal(exact)) == Decimal(billed)


def test_sums_of_many_small_products_stay_exact() -> None:
    # 3 x 0.0457 rounded per message would be 0.15 (3 x 0.05); exact is 0.1371 → 0.14.
    per_message = sum((round_cents(Decimal("0.0457")) for _ in range(3)), Decimal(0))
    exact = sum((Decimal("0.0457") for _ in range(3)), Decimal(0))

    assert per_message == Decimal("0.15")
    assert exact == Decimal("0.1371")
    assert round_cents(exact) == Decimal("0.14")


@pytest.mark.req("6.6.4.7")
@pytest.mark.parametrize(
    ("value", "places", "text"),
    [
        (Decimal("0.0457"), 4, "R$ 0,0457"),
        (Decimal("0.3521"), 4, "R$ 0,3521"),
        (Decimal("0.0400"), 4, "R$ 0,0400"),
        (Decimal("1234567.00"), 2, "R$ 1.234.567,00"),
        (Decimal("0.07"), 2, "R$ 0,07"),
        (Decimal("-12.50"), 2, "-R$ 12,50"),  # a credit: the sign before the currency
        (Decimal("-0.0914"), 4, "-R$ 0,0914"),
        (Decimal("999.99"), 2, "R$ 999,99"),
        (Decimal("1000"), 2, "R$ 1.000,00"),
    ],
)
def test_pt_br_money_formatting(value: Decimal, places: int, text: str) -> None:
    assert format_brl(value, places) == text


def test_numbers_group_thousands_with_dots() -> None:
    assert format_number(1_234_567) == "1.234.567"
    assert format_number(0) == "0"
    assert format_number(999) == "999"
    assert format_number(1000) == "1.000"
    assert format_decimal_plain(Decimal("56419.7119"), 4) == "56419,7119"


def test_showing_needs_the_value_already_rounded() -> None:
    # Formatting never rounds behind the caller's back.
    with pytest.raises(ValueError, match="needs more than 2 places"):
        format_brl(Decimal("56419.7119"), 2)


def test_floats_are_refused() -> None:
    with pytest.raises(TypeError):
        to_decimal(0.0457)  # type: ignore[arg-type]


@pytest.mark.parametrize("bad", ["0.04571", "-0.0100", "abc"])
def test_unit_prices_have_at_most_four_places_and_are_not_negative(bad: str) -> None:
    with pytest.raises((ValueError, ArithmeticError)):
        unit_price(bad)


def test_unit_prices_are_kept_with_four_places() -> None:
    assert str(unit_price("0.05")) == "0.0500"
    assert str(unit_price(Decimal("0.0457"))) == "0.0457"

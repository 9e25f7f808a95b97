"""Money arithmetic and pt-BR formatting.

Amounts stay exact (`Decimal`) through every product and sum; they are rounded to cents once,
where money is billed or shown, half-even as ABNT NBR 5891 prescribes (1,234,567 x R$ 0,0457 =
R$ 56.419,7119 → billed R$ 56.419,71). Floats never enter: constructing from float is refused.
"""

from __future__ import annotations

from decimal import ROUND_HALF_EVEN, Decimal

CENT = Decimal("0.01")
UNIT_PRICE_PLACES = Decimal("0.0001")
ZERO = Decimal("0")


def to_decimal(value: Decimal | int | str) -> Decimal:
    if isinstance(value, float):  # a float has already lost the exact value
        raise TypeError("money must not be a float")
    return value if isinstance(value, Decimal) else Decimal(value)


def unit_price(value: Decimal | int | str) -> Decimal:
    """A unit price with exactly four places; more precision than that is an input error."""
    price = to_decimal(value)
    if price != price.quantize(UNIT_PRICE_PLACES):
        raise ValueError(f"unit price {price} has more than 4 decimal places")
    if price < 0:
        raise ValueError("unit price must not be negative")
    return price.quantize(UNIT_PRICE_PLACES)


def line_amount(quantity: int, price: Decimal) -> Decimal:
    """quantity x unit price, exact (four places, never rounded)."""
    return (Decimal(quantity) * price).quantize(UNIT_PRICE_PLACES)


def round_cents(amount: Decimal) -> Decimal:
    """The one rounding: to cents, half-even (ABNT NBR 5891)."""
    return to_decimal(amount).quantize(CENT, rounding=ROUND_HALF_EVEN)


def to_cents(amount: Decimal) -> int:
    """Billed amount in integer cents (what Stripe counts)."""
    return int(round_cents(amount) * 100)


def _group_thousands(digits: str) -> str:
    groups: list[str] = []
    while len(digits) > 3:
        groups.insert(0, digits[-3:])
        digits = digits[:-3]
    groups.insert(0, digits)
    return ".".join(groups)


def format_number(value: Decimal | int, places: int = 0) -> str:
    """pt-BR digits: `1.234.567`, `56.419,7119`. The value is shown as given, never re-rounded
    here beyond padding: callers round money with `round_cents` first."""
    number = to_decimal(value)
    quantum = Decimal(1).scaleb(-places)
    if number != number.quantize(quantum):
        raise ValueError(f"{number} needs more than {places} places to be shown exactly")
    text = f"{abs(number.quantize(quantum)):f}"
    whole, _dot, fraction = text.partition(".")
    sign = "-" if number < 0 else ""
    grouped = _group_thousands(whole)
    return f"{sign}{grouped},{fraction}" if places else f"{sign}{grouped}"


def format_brl(value: Decimal, places: int = 2) -> str:
    """`R$ 0,0457` (places=4, unit prices) or `R$ 56.419,71` (places=2, amounts); a negative
    amount (a credit) is `-R$ 1,50`."""
    number = to_decimal(value)
    sign = "-" if number < 0 else ""
    return f"{sign}R$ {format_number(abs(number), places)}"


def format_decimal_plain(value: Decimal, places: int) -> str:
    """Decimal comma without thousands separators, for CSV cells: `56419,7119`."""
    return f"{to_decimal(value).quantize(Decimal(1).scaleb(-places)):f}".replace(".", ",")

"""pt-BR figures in templates: `{{ value|brl4 }}` → R$ 0,0457, `{{ value|brl2 }}`,
`{{ count|count }}` → 1.234.567, `{{ size|bytes }}` → 1,5 GB."""

from __future__ import annotations

from decimal import Decimal

from django import template

from billing.money import format_brl, format_number, round_cents
from billing.statements.present import bytes_label

register = template.Library()


def _missing(value: object) -> bool:
    # A missing attribute reaches a filter as "" (string_if_invalid), not None.
    return value is None or value == ""


@register.filter
def brl4(value: Decimal | str | None) -> str:
    return "—" if _missing(value) else format_brl(Decimal(str(value)), 4)


@register.filter
def brl2(value: Decimal | str | None) -> str:
    return "—" if _missing(value) else format_brl(round_cents(Decimal(str(value))), 2)


@register.filter
def count(value: int | str | None) -> str:
    return "—" if _missing(value) else format_number(int(value))  # type: ignore[arg-type]


@register.filter
def percent(value: float | str | None) -> str:
    return "—" if _missing(value) else f"{float(value):.1f}".replace(".", ",") + "%"  # type: ignore[arg-type]


@register.filter(name="bytes")
def bytes_filter(value: int | str | None) -> str:
    return "—" if _missing(value) else bytes_label(int(value))  # type: ignore[arg-type]

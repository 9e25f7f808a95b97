"""Statement content turned into what people read: pt-BR numbers, money and dates.

Used by the PDF template, the CSV and XLSX writers and the HTML screens, so a figure is written
the same way everywhere.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.utils.translation import gettext as _

from billing.money import format_brl, format_number
from core.validators import format_cnpj


def kind_label(kind: str) -> str:
    return _("Mensagens de sessão") if kind == "session" else _("Mensagens de modelo (HSM)")


def day_label(iso: str) -> str:
    return date.fromisoformat(iso).strftime("%d/%m/%Y")


def cnpj_label(digits: str) -> str:
    return format_cnpj(digits) if len(digits) == 14 else (digits or "—")


@dataclass(frozen=True)
class Line:
    description: str
    adjustment: bool
    days: str
    quantity: str
    unit_price: str
    amount: str


def operation_label(operation: str) -> str:
    return _("Crédito") if operation == "credit" else _("Débito")


def adjustment_description(adjustment: dict[str, Any]) -> str:
    """`Ajuste manual — crédito de mensagens de sessão: <justificativa>`."""
    if adjustment["kind"]:
        what = (
            _("crédito de %(kind)s")
            if adjustment["operation"] == "credit"
            else _("débito de %(kind)s")
        ) % {"kind": kind_label(adjustment["kind"]).lower()}
    else:
        what = (
            _("crédito de valor") if adjustment["operation"] == "credit" else _("débito de valor")
        )
    return _("Ajuste manual — %(what)s: %(justification)s") % {
        "what": what,
        "justification": adjustment["justification"],
    }


@dataclass(frozen=True)
class Adjustment:
    description: str
    operation: str
    recorded: str
    quantity: str
    unit_price: str
    amount: str


def _adjustments(content: dict[str, Any]) -> list[Adjustment]:
    return [
        Adjustment(
            description=adjustment_description(adjustment),
            operation=operation_label(adjustment["operation"]),
            recorded=_("%(when)s por %(who)s")
            % {
                "when": datetime.fromisoformat(adjustment["recorded_at"]).strftime(
                    "%d/%m/%Y %H:%M"
                ),
                "who": adjustment["recorded_by"],
            },
            quantity=format_number(adjustment["quantity"]) if adjustment["kind"] else "—",
            unit_price=(
                format_brl(Decimal(adjustment["unit_price"]), 4)
                if adjustment["unit_price"]
                else "—"
            ),
            amount=format_brl(Decimal(adjustment["amount"]), 4),
        )
        for adjustment in content.get("adjustments", [])
    ]


def presented(content: dict[str, Any], *, content_hash: str | None) -> dict[str, Any]:
    lines: list[Line] = []
    for line in content["lines"]:
        label = kind_label(line["kind"])
        if line["adjustment_of"]:
            adjusted = f"{date.fromisoformat(line['adjustment_of']):%m/%Y}"
            label = (
                _("Ajuste: mensagens de sessão de %(period)s registradas após o fechamento")
                if line["kind"] == "session"
                else _(
                    "Ajuste: mensagens de modelo (HSM) de %(period)s registradas após o fechamento"
                )
            ) % {"period": adjusted}
        lines.append(
            Line(
                description=label,
                adjustment=bool(line["adjustment_of"]),
                days=f"{day_label(line['first_day'])} a {day_label(line['last_day'])}",
                quantity=format_number(line["quantity"]),
                unit_price=format_brl(Decimal(line["unit_price"]), 4),
                amount=format_brl(Decimal(line["amount"]), 4),
            )
        )
    closed_at = content["closed_at"]
    return {
        "provider_name": content["provider"]["name"],
        "provider_cnpj": cnpj_label(content["provider"]["cnpj"]),
        "tenant_name": content["tenant"]["name"],
        "tenant_cnpj": cnpj_label(content["tenant"]["cnpj"]),
        "contract_reference": content["contract"]["reference"],
        "term": f"{day_label(content['contract']['term_start'])} a "
        f"{day_label(content['contract']['term_end'])}",
        "contracted": format_number(content["contract"]["contracted_messages"]),
        "period_label": content["period"]["label"],
        "period_range": f"{day_label(content['period']['start'])} a "
        f"{day_label(content['period']['end'])}",
        "closed_at": (
            datetime.fromisoformat(closed_at).strftime("%d/%m/%Y %H:%M") if closed_at else None
        ),
        "closed_by": content["closed_by"],
        "hash": content_hash,
        "prices": [
            {
                "effective_from": day_label(p["effective_from"]),
                "session": format_brl(Decimal(p["session"]), 4),
                "template": format_brl(Decimal(p["template"]), 4),
            }
            for p in content["prices"]
        ],
        "consumed": {key: format_number(value) for key, value in content["consumed"].items()},
        "daily": [
            {
                "day": day_label(d["day"]),
                "template_sent": format_number(d["template_sent"]),
                "session_sent": format_number(d["session_sent"]),
                "session_received": format_number(d["session_received"]),
                "session_total": format_number(d["session_sent"] + d["session_received"]),
            }
            for d in content["daily"]
        ],
        "daily_totals": {
            "template_sent": format_number(sum(d["template_sent"] for d in content["daily"])),
            "session_sent": format_number(sum(d["session_sent"] for d in content["daily"])),
            "session_received": format_number(sum(d["session_received"] for d in content["daily"])),
            "session_total": format_number(
                sum(d["session_sent"] + d["session_received"] for d in content["daily"])
            ),
        },
        "lines": lines,
        "per_kind": [
            {
                "label": kind_label(kind),
                "quantity": format_number(values["quantity"]),
                "amount": format_brl(Decimal(values["amount"]), 4),
            }
            for kind, values in sorted(content["per_kind"].items())
        ],
        "adjustments": _adjustments(content),
        "adjustments_total": {
            "quantity": format_number(content.get("adjustments_total", {}).get("quantity", 0)),
            "amount": format_brl(
                Decimal(content.get("adjustments_total", {}).get("amount", "0")), 4
            ),
        },
        "unpriced_total": sum(content["unpriced"].values()),
        "unpriced": format_number(sum(content["unpriced"].values())),
        "billed_quantity": format_number(content["billed_quantity"]),
        "total_exact": format_brl(Decimal(content["total_exact"]), 4),
        "total_billed": format_brl(Decimal(content["total_billed"]), 2),
        "term_usage": {key: format_number(value) for key, value in content["term"].items()},
        "overage": content["term"]["overage"] > 0,
    }


def bytes_label(value: int | None) -> str:
    """`1,5 GB` (decimal units, as storage is contracted)."""
    if value is None:
        return "—"
    units = ["B", "KB", "MB", "GB", "TB"]
    amount = Decimal(value)
    unit = 0
    while abs(amount) >= 1000 and unit < len(units) - 1:
        amount /= 1000
        unit += 1
    if unit == 0:
        return f"{format_number(int(amount))} B"
    return f"{format_number(amount.quantize(Decimal('0.1')), 1)} {units[unit]}"

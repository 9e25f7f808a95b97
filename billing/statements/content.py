"""What a monthly statement says (6.6.4), built from the rollups of its billing period.

The content is a plain dict of strings and integers; its canonical JSON is what the verification
hash covers and what every rendering (PDF, CSV, XLSX) is made from, so the three documents always
agree with each other and with the hash.
"""

from __future__ import annotations

import hashlib
import json
from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Sum

from billing.models import (
    Contract,
    ManualAdjustment,
    PriceSchedule,
    Statement,
    UsageDaily,
    UsageKind,
)
from billing.money import ZERO, line_amount, round_cents
from billing.periods import BILLING_TZ, period_days, period_end_day, period_label, period_of_day
from tenants.models import Tenant

# 2: manual adjustments (`adjustments`, `adjustments_total`) count in the billed figures.
CONTENT_VERSION = 2


@dataclass(frozen=True)
class _LineKey:
    kind: str
    unit_price: Decimal
    adjustment_of: date | None


def _prices_in_force(contract: Contract, period: date) -> list[dict[str, str]]:
    schedules = list(PriceSchedule.objects.filter(contract=contract).order_by("effective_from"))
    in_force = [s for s in schedules if s.effective_from <= period]
    chosen = in_force[-1:] + [
        s for s in schedules if period < s.effective_from <= period_end_day(period)
    ]
    return [
        {
            "effective_from": s.effective_from.isoformat(),
            "session": f"{s.session_price:.4f}",
            "template": f"{s.template_price:.4f}",
        }
        for s in chosen
    ]


def _term_usage(contract: Contract, period: date, billed_now: int) -> dict[str, Any]:
    earlier = (
        Statement.objects.filter(
            tenant_id=contract.tenant_id,
            period__lt=period,
            period__gte=period_of_day(contract.term_start),
        ).aggregate(total=Sum("billed_quantity"))["total"]
        or 0
    )
    through = earlier + billed_now
    return {
        "contracted": contract.contracted_messages,
        "billed_before": earlier,
        "billed_through_period": through,
        "remaining": max(contract.contracted_messages - through, 0),
        "overage": max(through - contract.contracted_messages, 0),
    }


def _adjustments(tenant_id: int, period: date) -> list[dict[str, Any]]:
    """The operators' manual adjustments billed in `period`, signed (a credit is negative)."""
    return [
        {
            "id": adjustment.pk,
            "operation": adjustment.operation,
            "kind": adjustment.kind or None,
            "quantity": adjustment.signed_quantity,
            "unit_price": (
                f"{adjustment.unit_price:.4f}" if adjustment.unit_price is not None else None
            ),
            "amount": f"{adjustment.signed_amount:.4f}",
            "justification": adjustment.justification,
            "recorded_at": adjustment.recorded_at.astimezone(BILLING_TZ).isoformat(),
            "recorded_by": adjustment.recorded_by,
        }
        for adjustment in ManualAdjustment.objects.filter(
            tenant_id=tenant_id, billing_period=period
        ).order_by("recorded_at", "id")
    ]


def statement_content(
    *,
    tenant: Tenant,
    contract: Contract,
    period: date,
    closed_at: datetime | None,
    closed_by: str,
) -> dict[str, Any]:
    """The statement of `period` from its rollups (which the caller has made current)."""
    rows = list(
        UsageDaily.objects.filter(tenant_id=tenant.pk, billing_period=period).values_list(
            "day", "period", "kind", "direction", "unit_price", "quantity"
        )
    )
    daily: dict[date, dict[str, int]] = {
        day: {"template_sent": 0, "session_sent": 0, "session_received": 0}
        for day in period_days(period)
    }
    consumed = {"session_received": 0, "session_sent": 0, "template_sent": 0}
    lines: dict[_LineKey, dict[str, Any]] = {}
    unpriced: dict[str, int] = defaultdict(int)
    for day, row_period, kind, direction, price, quantity in rows:
        if row_period == period:
            if kind == UsageKind.TEMPLATE:
                column = "template_sent"
            else:
                column = "session_received" if direction == "inbound" else "session_sent"
            daily[day][column] += quantity
            consumed[column] += quantity
        if price is None:
            unpriced[kind] += quantity
            continue
        key = _LineKey(kind, price, None if row_period == period else row_period)
        line = lines.setdefault(key, {"quantity": 0, "first_day": day, "last_day": day})
        line["quantity"] += quantity
        line["first_day"] = min(line["first_day"], day)
        line["last_day"] = max(line["last_day"], day)

    ordered = sorted(
        lines.items(),
        key=lambda item: (
            item[0].adjustment_of is not None,
            item[0].adjustment_of or period,
            item[0].kind != UsageKind.SESSION,
            item[1]["first_day"],
            item[0].unit_price,
        ),
    )
    line_list: list[dict[str, Any]] = []
    per_kind: dict[str, dict[str, Any]] = {
        kind: {"quantity": 0, "amount": ZERO} for kind in UsageKind.values
    }
    total = ZERO
    for key, line in ordered:
        amount = line_amount(line["quantity"], key.unit_price)
        total += amount
        per_kind[key.kind]["quantity"] += line["quantity"]
        per_kind[key.kind]["amount"] += amount
        line_list.append(
            {
                "kind": key.kind,
                "adjustment_of": key.adjustment_of.isoformat() if key.adjustment_of else None,
                "first_day": line["first_day"].isoformat(),
                "last_day": line["last_day"].isoformat(),
                "quantity": line["quantity"],
                "unit_price": f"{key.unit_price:.4f}",
                "amount": f"{amount:.4f}",
            }
        )
    adjustments = _adjustments(tenant.pk, period)
    adjusted_quantity = sum(adjustment["quantity"] for adjustment in adjustments)
    adjusted_amount = sum((Decimal(adjustment["amount"]) for adjustment in adjustments), ZERO)
    total += adjusted_amount
    billed_quantity = sum(line["quantity"] for line in line_list) + adjusted_quantity
    return {
        "version": CONTENT_VERSION,
        "provider": {
            "name": settings.BILLING_PROVIDER_NAME,
            "cnpj": settings.BILLING_PROVIDER_CNPJ,
        },
        "tenant": {"name": tenant.name, "cnpj": tenant.cnpj or "", "slug": tenant.slug},
        "contract": {
            "reference": contract.reference,
            "term_start": contract.term_start.isoformat(),
            "term_end": contract.term_end.isoformat(),
            "contracted_messages": contract.contracted_messages,
            "invoicing": contract.invoicing,
        },
        "period": {
            "start": period.isoformat(),
            "end": period_end_day(period).isoformat(),
            "label": period_label(period),
        },
        "closed_at": closed_at.astimezone(BILLING_TZ).isoformat() if closed_at else None,
        "closed_by": closed_by,
        "prices": _prices_in_force(contract, period),
        "consumed": {**consumed, "total": sum(consumed.values())},
        "daily": [{"day": day.isoformat(), **counts} for day, counts in sorted(daily.items())],
        "lines": line_list,
        "per_kind": {
            kind: {"quantity": values["quantity"], "amount": f"{values['amount']:.4f}"}
            for kind, values in per_kind.items()
        },
        "unpriced": {kind: unpriced.get(kind, 0) for kind in UsageKind.values},
        "adjustments": adjustments,
        "adjustments_total": {
            "quantity": adjusted_quantity,
            "amount": f"{adjusted_amount:.4f}",
        },
        "billed_quantity": billed_quantity,
        "total_exact": f"{total:.4f}",
        "total_billed": f"{round_cents(total):.2f}",
        "term": _term_usage(contract, period, billed_quantity),
    }


def content_canonical(content: dict[str, Any]) -> str:
    return json.dumps(content, sort_keys=True, ensure_ascii=False, separators=(",", ":"))


def content_hash(canonical: str) -> str:
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()

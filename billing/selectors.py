"""Reads for screens and the API: consumption (6.5.46), storage (6.5.47), statements (6.6.4).

Consumption reads the rollups (fresh within a minute of the ledger); statements of closed
periods are served exactly as stored at closing.
"""

from __future__ import annotations

import json
from collections import defaultdict
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db.models import Count, Max, Sum
from django.utils import timezone

from billing.errors import StatementNotFound
from billing.models import (
    SYSTEM_ORIGINS,
    AdjustmentOperation,
    Contract,
    Direction,
    ManualAdjustment,
    MediaType,
    Origin,
    QuotaAlert,
    Statement,
    StorageUsage,
    StripeInvoice,
    UsageKind,
    UsageMonthly,
)
from billing.money import ZERO
from billing.periods import period_add, period_label, period_of, periods_between
from billing.services.quota import term_usage
from billing.statements.content import statement_content
from billing.statements.documents import render_csv, render_pdf, render_xlsx
from tenants.models import Tenant


@dataclass
class AgentCount:
    agent_id: int | None
    agent_name: str
    quantity: int


@dataclass
class Consumption:
    period: date
    is_current: bool
    contracted: int | None
    term_used: int | None
    term_remaining: int | None
    term_percent: float | None
    monthly_estimate: int | None
    sent: int = 0
    received: int = 0
    session_sent: int = 0
    session_received: int = 0
    template_sent: int = 0
    sent_by_admins: int = 0
    sent_by_system: int = 0
    sent_by_bots: int = 0
    sent_by_agents: int = 0
    received_per_agent: list[AgentCount] = field(default_factory=list)
    sent_per_agent: list[AgentCount] = field(default_factory=list)
    sent_per_admin: list[AgentCount] = field(default_factory=list)
    per_channel: dict[str, dict[str, int]] = field(default_factory=dict)

    @property
    def total(self) -> int:
        return self.sent + self.received


def current_period() -> date:
    return period_of(timezone.now())


def _per_agent(counts: dict[int | None, list[Any]]) -> list[AgentCount]:
    rows = [AgentCount(agent_id, names[0], names[1]) for agent_id, names in counts.items()]
    return sorted(rows, key=lambda row: (-row.quantity, row.agent_name))


def consumption_get(*, tenant_id: int, period: date) -> Consumption:
    contract = Contract.objects.filter(tenant_id=tenant_id).first()
    used = term_usage(contract) if contract else None
    months = len(periods_between(contract.term_start, contract.term_end)) if contract else 0
    result = Consumption(
        period=period,
        is_current=period == current_period(),
        contracted=contract.contracted_messages if contract else None,
        term_used=used,
        term_remaining=(max(contract.contracted_messages - (used or 0), 0) if contract else None),
        term_percent=(
            round(100 * (used or 0) / contract.contracted_messages, 1) if contract else None
        ),
        monthly_estimate=(contract.contracted_messages // months if contract and months else None),
    )
    received_agents: dict[int | None, list[Any]] = {}
    sent_agents: dict[int | None, list[Any]] = {}
    sent_admins: dict[int | None, list[Any]] = {}
    channels: dict[str, dict[str, int]] = defaultdict(lambda: {"sent": 0, "received": 0})
    rows = (
        UsageMonthly.objects.filter(tenant_id=tenant_id, period=period)
        .values("kind", "direction", "origin", "channel", "agent_id")
        .annotate(quantity=Sum("quantity"))
        .order_by()
    )
    names = dict(
        UsageMonthly.objects.filter(
            tenant_id=tenant_id, period=period, agent_id__isnull=False
        ).values_list("agent_id", "agent_name")
    )
    for row in rows:
        quantity = int(row["quantity"])
        agent_id = row["agent_id"]
        name = names.get(agent_id, "") if agent_id is not None else ""
        if row["direction"] == Direction.INBOUND:
            result.received += quantity
            result.session_received += quantity
            channels[row["channel"]]["received"] += quantity
            bucket = received_agents.setdefault(agent_id, [name, 0])
            bucket[1] += quantity
            continue
        result.sent += quantity
        channels[row["channel"]]["sent"] += quantity
        if row["kind"] == UsageKind.TEMPLATE:
            result.template_sent += quantity
        else:
            result.session_sent += quantity
        origin = row["origin"]
        if origin == Origin.AGENT:
            result.sent_by_agents += quantity
            bucket = sent_agents.setdefault(agent_id, [name, 0])
            bucket[1] += quantity
        elif origin == Origin.ADMIN:
            result.sent_by_admins += quantity
            bucket = sent_admins.setdefault(agent_id, [name, 0])
            bucket[1] += quantity
        elif origin in SYSTEM_ORIGINS:
            result.sent_by_system += quantity
            if origin == Origin.BOT:
                result.sent_by_bots += quantity
    result.received_per_agent = _per_agent(received_agents)
    result.sent_per_agent = _per_agent(sent_agents)
    result.sent_per_admin = _per_agent(sent_admins)
    result.per_channel = dict(sorted(channels.items()))
    return result


@dataclass
class MediaUsage:
    media_type: str
    label: str
    bytes_used: int
    percent_of_limit: float | None


@dataclass
class Storage:
    limit: int | None
    used: int
    available: int | None
    exceeded: bool
    by_media: list[MediaUsage]


def storage_get(*, tenant_id: int) -> Storage:
    contract = Contract.objects.filter(tenant_id=tenant_id).first()
    limit = contract.storage_quota_bytes if contract else None
    used_by_type = dict(
        StorageUsage.objects.filter(tenant_id=tenant_id).values_list("media_type", "bytes_used")
    )
    used = sum(used_by_type.values())
    by_media = [
        MediaUsage(
            media_type=value,
            label=str(label),
            bytes_used=used_by_type.get(value, 0),
            percent_of_limit=(
                round(100 * used_by_type.get(value, 0) / limit, 1) if limit else None
            ),
        )
        for value, label in MediaType.choices
    ]
    return Storage(
        limit=limit,
        used=used,
        available=max(limit - used, 0) if limit is not None else None,
        exceeded=limit is not None and used > limit,
        by_media=by_media,
    )


def consumption_periods(*, tenant_id: int) -> list[date]:
    """Months with usage or a statement, newest first, always including the current one."""
    periods = set(
        UsageMonthly.objects.filter(tenant_id=tenant_id).values_list("period", flat=True).distinct()
    )
    periods |= set(Statement.objects.filter(tenant_id=tenant_id).values_list("period", flat=True))
    periods.add(current_period())
    return sorted(periods, reverse=True)


@dataclass
class StatementRow:
    period: date
    label: str
    closed: bool
    closed_at: Any
    billed_quantity: int | None
    total_billed: Any
    content_hash: str
    invoice_status: str


def statement_list(*, tenant_id: int) -> list[StatementRow]:
    rows: list[StatementRow] = []
    current = current_period()
    closed = list(
        Statement.objects.filter(tenant_id=tenant_id)
        .order_by("-period")
        .defer("pdf", "csv", "xlsx", "content")
    )
    invoices = {
        invoice.statement_id: invoice
        for invoice in StripeInvoice.objects.filter(statement__in=closed)
    }
    closed_periods = {statement.period for statement in closed}
    last_closed = closed[0].period if closed else None
    open_first = period_add(last_closed, 1) if last_closed else None
    if Contract.objects.filter(tenant_id=tenant_id).exists():
        rows.extend(
            StatementRow(period, period_label(period), False, None, None, None, "", "")
            for period in periods_between(open_first or current, current)[::-1]
            if period not in closed_periods
        )
    for statement in closed:
        invoice = invoices.get(statement.pk)
        rows.append(
            StatementRow(
                statement.period,
                period_label(statement.period),
                True,
                statement.closed_at,
                statement.billed_quantity,
                statement.total_billed,
                statement.content_hash,
                invoice.get_status_display() if invoice else "",
            )
        )
    return rows


DOCUMENT_TYPES = {
    "pdf": ("application/pdf", "pdf"),
    "csv": ("text/csv; charset=utf-8", "csv"),
    "xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
}


@dataclass(frozen=True)
class Document:
    body: bytes
    content_type: str
    filename: str
    closed: bool


def _preview_allowed(tenant: Tenant, contract: Contract | None, period: date) -> bool:
    """An open period can be previewed: within the contract, not closed, not in the future."""
    if contract is None or period > current_period() or period < contract.term_start.replace(day=1):
        return False
    last = Statement.objects.filter(tenant=tenant).order_by("-period").first()
    return last is None or period > last.period


def statement_document(*, tenant: Tenant, period: date, fmt: str) -> Document:
    """The stored rendering of a closed statement, or a preview of an open period."""
    if fmt not in DOCUMENT_TYPES:
        raise StatementNotFound("unknown format")
    content_type, extension = DOCUMENT_TYPES[fmt]
    name = f"extrato-{tenant.slug}-{period:%Y-%m}"
    statement = Statement.objects.filter(tenant=tenant, period=period).first()
    if statement is not None:
        return Document(bytes(getattr(statement, fmt)), content_type, f"{name}.{extension}", True)
    contract = Contract.objects.filter(tenant=tenant).first()
    if contract is None or not _preview_allowed(tenant, contract, period):
        raise StatementNotFound("no statement for this period")
    content = statement_content(
        tenant=tenant, contract=contract, period=period, closed_at=None, closed_by=""
    )
    render = {"pdf": render_pdf, "csv": render_csv, "xlsx": render_xlsx}[fmt]
    return Document(
        render(content, content_hash=None), content_type, f"{name}-previa.{extension}", False
    )


def statement_summary(*, tenant: Tenant, period: date) -> tuple[dict[str, Any], str | None]:
    """Content and hash of a closed statement, or the live content of an open period."""
    statement = Statement.objects.filter(tenant=tenant, period=period).first()
    if statement is not None:
        return json.loads(statement.content), statement.content_hash
    contract = Contract.objects.filter(tenant=tenant).first()
    if contract is None or not _preview_allowed(tenant, contract, period):
        raise StatementNotFound("no statement for this period")
    return statement_content(
        tenant=tenant, contract=contract, period=period, closed_at=None, closed_by=""
    ), None


@dataclass
class TenantConsumption:
    tenant: Tenant
    contract: Contract | None
    term_used: int
    term_percent: float | None
    month_sent: int
    month_received: int
    storage_used: int
    alerts: list[int]
    last_closed: date | None
    overage: bool
    adjustments: int = 0
    adjustments_amount: Decimal = ZERO


def consumption_list_all_tenants(*, period: date | None = None) -> list[TenantConsumption]:
    """Every client's consumption against its contract (control plane only)."""
    period = period or current_period()
    tenants = list(Tenant.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME).order_by("name"))
    contracts = {c.tenant_id: c for c in Contract.objects.all()}
    month: defaultdict[int, dict[str, int]] = defaultdict(lambda: {"inbound": 0, "outbound": 0})
    for tenant_id, direction, quantity in (
        UsageMonthly.objects.filter(period=period)
        .values_list("tenant_id", "direction")
        .annotate(total=Sum("quantity"))
        .order_by()
    ):
        month[tenant_id][direction] = int(quantity)
    storage = dict(
        StorageUsage.objects.values_list("tenant_id").annotate(total=Sum("bytes_used")).order_by()
    )
    alerts: dict[int, list[int]] = defaultdict(list)
    for tenant_id, threshold, volume, current_volume in QuotaAlert.objects.values_list(
        "contract__tenant_id",
        "threshold",
        "contracted_messages",
        "contract__contracted_messages",
    ):
        if volume == current_volume:
            alerts[tenant_id].append(threshold)
    last_closed = dict(
        Statement.objects.values_list("tenant_id").annotate(last=Max("period")).order_by()
    )
    adjustments = _adjustments_by_tenant(period)
    rows: list[TenantConsumption] = []
    for tenant in tenants:
        contract = contracts.get(tenant.pk)
        used = term_usage(contract) if contract else 0
        rows.append(
            TenantConsumption(
                tenant=tenant,
                contract=contract,
                term_used=used,
                term_percent=(
                    round(100 * used / contract.contracted_messages, 1) if contract else None
                ),
                month_sent=month[tenant.pk]["outbound"],
                month_received=month[tenant.pk]["inbound"],
                storage_used=int(storage.get(tenant.pk, 0) or 0),
                alerts=sorted(alerts.get(tenant.pk, [])),
                last_closed=last_closed.get(tenant.pk),
                overage=bool(contract and used > contract.contracted_messages),
                adjustments=adjustments.get(tenant.pk, (0, ZERO))[0],
                adjustments_amount=adjustments.get(tenant.pk, (0, ZERO))[1],
            )
        )
    return rows


def _adjustments_by_tenant(billing_period: date) -> dict[int, tuple[int, Decimal]]:
    """Tenant → (count, net signed amount) of the manual adjustments billed in the period."""
    found: dict[int, tuple[int, Decimal]] = {}
    rows = (
        ManualAdjustment.objects.filter(billing_period=billing_period)
        .values_list("tenant_id", "operation")
        .annotate(count=Count("id"), amount=Sum("amount"))
        .order_by()
    )
    for tenant_id, operation, count, amount in rows:
        signed = -amount if operation == AdjustmentOperation.CREDIT else amount
        previous_count, previous_amount = found.get(tenant_id, (0, ZERO))
        found[tenant_id] = (previous_count + count, previous_amount + signed)
    return found


@dataclass
class AdjustmentRow:
    adjustment: ManualAdjustment
    period_label: str
    closed: bool


def adjustment_list(*, tenant_id: int) -> list[AdjustmentRow]:
    """The tenant's manual adjustments, newest first, each saying whether its period closed."""
    closed = Statement.objects.filter(tenant_id=tenant_id).aggregate(last=Max("period"))["last"]
    return [
        AdjustmentRow(
            adjustment=adjustment,
            period_label=period_label(adjustment.billing_period),
            closed=closed is not None and adjustment.billing_period <= closed,
        )
        for adjustment in ManualAdjustment.objects.filter(tenant_id=tenant_id).order_by(
            "-recorded_at", "-id"
        )
    ]

"""Billing API: the tenant's consumption, storage and statements (capability `view_billing`:
the tenant's administrators and auditors), and every client's consumption, statements and manual
adjustments for the provider's operators."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema
from ninja.errors import HttpError

from billing import selectors
from billing.errors import StatementNotFound
from billing.periods import period_label, period_parse
from controlplane.selectors import tenant_list_all_tenants
from core.api import ErrorOut, require_capability, require_operator
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

router = Router(tags=["consumo e extratos"])
operator_router = Router(tags=["consumo dos clientes"])


def _tenant_of(request: HttpRequest) -> Tenant:
    return request.tenant  # type: ignore[attr-defined]


def _period(text: str | None) -> date:
    if not text:
        return selectors.current_period()
    try:
        return period_parse(text)
    except ValueError as error:
        raise HttpError(400, _("Período inválido: use AAAA-MM.")) from error


class AgentCountOut(Schema):
    agent_id: int | None
    agent_name: str
    quantity: int


class ChannelCountOut(Schema):
    channel: str
    sent: int
    received: int


class ConsumptionOut(Schema):
    period: str
    is_current: bool
    contracted: int | None
    term_used: int | None
    term_remaining: int | None
    term_percent: float | None
    monthly_estimate: int | None
    sent: int
    received: int
    sent_and_received: int
    session_sent: int
    session_received: int
    template_sent: int
    sent_by_admins: int
    sent_by_system: int
    sent_by_agents: int
    received_per_agent: list[AgentCountOut]
    sent_per_agent: list[AgentCountOut]
    sent_per_admin: list[AgentCountOut]
    per_channel: list[ChannelCountOut]


class MediaUsageOut(Schema):
    media_type: str
    bytes_used: int


class StorageOut(Schema):
    limit_bytes: int | None
    used_bytes: int
    available_bytes: int | None
    exceeded: bool
    by_media: list[MediaUsageOut]


class StatementOut(Schema):
    period: str
    label: str
    closed: bool
    closed_at: datetime | None
    billed_quantity: int | None
    total_billed: Decimal | None
    content_hash: str
    invoice_status: str
    downloads: dict[str, str]


class StatementLineOut(Schema):
    kind: str
    adjustment_of: str | None
    first_day: str
    last_day: str
    quantity: int
    unit_price: str
    amount: str


class StatementAdjustmentOut(Schema):
    """A manual adjustment as the statement shows it: quantity and amount signed (a credit is
    negative)."""

    id: int
    operation: str
    kind: str | None
    quantity: int
    unit_price: str | None
    amount: str
    justification: str
    recorded_at: str
    recorded_by: str


class AdjustmentTotalOut(Schema):
    quantity: int
    amount: str


class StatementDayOut(Schema):
    day: str
    template_sent: int
    session_sent: int
    session_received: int


class StatementDetailOut(Schema):
    period: str
    closed: bool
    content_hash: str | None
    consumed: dict[str, int]
    daily: list[StatementDayOut]
    lines: list[StatementLineOut]
    per_kind: dict[str, dict[str, Any]]
    adjustments: list[StatementAdjustmentOut]
    adjustments_total: AdjustmentTotalOut
    billed_quantity: int
    total_exact: str
    total_billed: str
    prices: list[dict[str, str]]


def _consumption_out(tenant_id: int, period: date) -> dict[str, Any]:
    data = selectors.consumption_get(tenant_id=tenant_id, period=period)
    return {
        **{
            key: getattr(data, key)
            for key in (
                "is_current",
                "contracted",
                "term_used",
                "term_remaining",
                "term_percent",
                "monthly_estimate",
                "sent",
                "received",
                "session_sent",
                "session_received",
                "template_sent",
                "sent_by_admins",
                "sent_by_system",
                "sent_by_agents",
                "received_per_agent",
                "sent_per_agent",
                "sent_per_admin",
            )
        },
        "period": f"{period:%Y-%m}",
        "sent_and_received": data.total,
        "per_channel": [
            {"channel": channel, **counts} for channel, counts in data.per_channel.items()
        ],
    }


@router.get(
    "/consumption",
    response={200: ConsumptionOut, 400: ErrorOut, 403: ErrorOut},
    summary="Consumo mensal de mensagens (6.5.46)",
)
def consumption(request: HttpRequest, period: str | None = None) -> dict[str, Any]:
    """`period` = AAAA-MM (padrão: mês corrente, números ao vivo com atraso de até 1 minuto)."""
    require_capability(request, "view_billing")
    return _consumption_out(_tenant_of(request).pk, _period(period))


@router.get(
    "/storage", response={200: StorageOut, 403: ErrorOut}, summary="Armazenamento em nuvem (6.5.47)"
)
def storage(request: HttpRequest) -> dict[str, Any]:
    require_capability(request, "view_billing")
    data = selectors.storage_get(tenant_id=_tenant_of(request).pk)
    return {
        "limit_bytes": data.limit,
        "used_bytes": data.used,
        "available_bytes": data.available,
        "exceeded": data.exceeded,
        "by_media": [
            {"media_type": m.media_type, "bytes_used": m.bytes_used} for m in data.by_media
        ],
    }


def _statement_rows(request: HttpRequest, tenant: Tenant, prefix: str) -> list[dict[str, Any]]:
    return [
        {
            **row.__dict__,
            "period": f"{row.period:%Y-%m}",
            "downloads": {
                fmt: f"{prefix}/{row.period:%Y-%m}/{fmt}" for fmt in selectors.DOCUMENT_TYPES
            },
        }
        for row in selectors.statement_list(tenant_id=tenant.pk)
    ]


@router.get(
    "/statements",
    response={200: list[StatementOut], 403: ErrorOut},
    summary="Extratos mensais (6.6.4)",
)
def statements(request: HttpRequest) -> list[dict[str, Any]]:
    require_capability(request, "view_billing")
    return _statement_rows(
        request,
        _tenant_of(request),
        "/api/billing/statements",
    )


@router.get(
    "/statements/{period}",
    response={200: StatementDetailOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Conteúdo de um extrato (fechado, ou prévia do período aberto)",
)
def statement_detail(request: HttpRequest, period: str) -> dict[str, Any]:
    require_capability(request, "view_billing")
    try:
        content, digest = selectors.statement_summary(
            tenant=_tenant_of(request), period=_period(period)
        )
    except StatementNotFound as error:
        raise HttpError(404, _("Extrato não encontrado.")) from error
    return {
        "adjustments": [],
        "adjustments_total": {"quantity": 0, "amount": "0.0000"},  # statements issued before them
        **content,
        "period": period,
        "closed": digest is not None,
        "content_hash": digest,
    }


def _file(request: HttpRequest, tenant: Tenant, period_text: str, fmt: str) -> HttpResponse:
    period = _period(period_text)
    try:
        document = selectors.statement_document(tenant=tenant, period=period, fmt=fmt)
    except StatementNotFound as error:
        raise HttpError(404, _("Extrato não encontrado.")) from error
    audit_record(
        actor=Actor.from_request(request, via="api"),
        action="billing.statement.download",
        object_type="billing.statement",
        object_id=f"{tenant.pk}:{period.isoformat()}",
        object_repr=f"{tenant.slug} {period_label(period)}",
        after={"format": fmt, "closed": document.closed},
    )
    response = HttpResponse(document.body, content_type=document.content_type)
    response["Content-Disposition"] = f'attachment; filename="{document.filename}"'
    response["Cache-Control"] = "private, no-store"
    return response


@router.get(
    "/statements/{period}/{fmt}",
    response={403: ErrorOut, 404: ErrorOut},
    summary="Baixar extrato: pdf, csv ou xlsx",
)
def statement_file(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    require_capability(request, "view_billing")
    return _file(request, _tenant_of(request), period, fmt)


class TenantConsumptionOut(Schema):
    slug: str
    name: str
    contract_reference: str | None
    term_start: date | None
    term_end: date | None
    contracted: int | None
    term_used: int
    term_percent: float | None
    overage: bool
    month_sent: int
    month_received: int
    storage_used_bytes: int
    storage_limit_bytes: int | None
    alerts: list[int]
    invoicing: str | None
    last_closed: str | None
    adjustments: int
    adjustments_amount: Decimal


@operator_router.get(
    "/consumption",
    response={200: list[TenantConsumptionOut], 400: ErrorOut, 403: ErrorOut},
    summary="Consumo de todos os clientes contra o contrato",
)
def consumption_all(request: HttpRequest, period: str | None = None) -> list[dict[str, Any]]:
    require_operator(request)
    rows = selectors.consumption_list_all_tenants(period=_period(period))
    return [
        {
            "slug": row.tenant.slug,
            "name": row.tenant.name,
            "contract_reference": row.contract.reference if row.contract else None,
            "term_start": row.contract.term_start if row.contract else None,
            "term_end": row.contract.term_end if row.contract else None,
            "contracted": row.contract.contracted_messages if row.contract else None,
            "term_used": row.term_used,
            "term_percent": row.term_percent,
            "overage": row.overage,
            "month_sent": row.month_sent,
            "month_received": row.month_received,
            "storage_used_bytes": row.storage_used,
            "storage_limit_bytes": row.contract.storage_quota_bytes if row.contract else None,
            "alerts": row.alerts,
            "invoicing": row.contract.invoicing if row.contract else None,
            "last_closed": f"{row.last_closed:%Y-%m}" if row.last_closed else None,
            "adjustments": row.adjustments,
            "adjustments_amount": row.adjustments_amount,
        }
        for row in rows
    ]


@operator_router.get(
    "/tenants/{slug}/consumption",
    response={200: ConsumptionOut, 400: ErrorOut, 403: ErrorOut, 404: ErrorOut},
    summary="Consumo mensal de um cliente, com o detalhe que o cliente vê (6.5.46)",
)
def tenant_consumption(
    request: HttpRequest, slug: str, period: str | None = None
) -> dict[str, Any]:
    require_operator(request)
    tenant = get_object_or_404(tenant_list_all_tenants(), slug=slug)
    return _consumption_out(tenant.pk, _period(period))


@operator_router.get(
    "/tenants/{slug}/statements",
    response={200: list[StatementOut], 403: ErrorOut, 404: ErrorOut},
    summary="Extratos de um cliente",
)
def tenant_statements(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    require_operator(request)
    tenant = get_object_or_404(tenant_list_all_tenants(), slug=slug)
    return _statement_rows(request, tenant, f"/api/billing/tenants/{slug}/statements")


@operator_router.get(
    "/tenants/{slug}/statements/{period}/{fmt}",
    response={403: ErrorOut, 404: ErrorOut},
    summary="Baixar extrato de um cliente: pdf, csv ou xlsx",
)
def tenant_statement_file(request: HttpRequest, slug: str, period: str, fmt: str) -> HttpResponse:
    require_operator(request)
    tenant = get_object_or_404(tenant_list_all_tenants(), slug=slug)
    return _file(request, tenant, period, fmt)


class AdjustmentOut(Schema):
    id: int
    billing_period: str
    closed: bool
    operation: str
    kind: str | None
    quantity: int
    unit_price: Decimal | None
    amount: Decimal
    signed_amount: Decimal
    justification: str
    recorded_at: datetime
    recorded_by: str


@operator_router.get(
    "/tenants/{slug}/adjustments",
    response={200: list[AdjustmentOut], 403: ErrorOut, 404: ErrorOut},
    summary="Ajustes manuais de um cliente (crédito ou débito, com justificativa)",
)
def tenant_adjustments(request: HttpRequest, slug: str) -> list[dict[str, Any]]:
    require_operator(request)
    tenant = get_object_or_404(tenant_list_all_tenants(), slug=slug)
    return [
        {
            "id": row.adjustment.pk,
            "billing_period": f"{row.adjustment.billing_period:%Y-%m}",
            "closed": row.closed,
            "operation": row.adjustment.operation,
            "kind": row.adjustment.kind or None,
            "quantity": row.adjustment.quantity,
            "unit_price": row.adjustment.unit_price,
            "amount": row.adjustment.amount,
            "signed_amount": row.adjustment.signed_amount,
            "justification": row.adjustment.justification,
            "recorded_at": row.adjustment.recorded_at,
            "recorded_by": row.adjustment.recorded_by,
        }
        for row in selectors.adjustment_list(tenant_id=tenant.pk)
    ]

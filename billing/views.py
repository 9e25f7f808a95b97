"""Billing screens: the tenant's consumption and statements (capability `view_billing`: the
tenant's administrators and auditors) and the operator's view of every client (public host)."""

from __future__ import annotations

import logging
from datetime import date

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from billing import selectors
from billing.errors import BillingError, StatementNotFound, StripeWebhookInvalid
from billing.forms import AdjustmentForm, ContractForm, PriceChangeForm
from billing.models import Contract, PriceSchedule
from billing.periods import period_label, period_parse
from billing.services.adjustments import (
    AdjustmentRequest,
    adjustment_period_next,
    adjustment_record,
)
from billing.services.contracts import (
    ContractTerms,
    contract_save,
    price_change_remove,
    price_change_set,
)
from billing.services.rollups import rollups_last_refresh
from billing.services.stripe_webhooks import stripe_webhook_handle
from controlplane.selectors import tenant_list_all_tenants
from core.permissions import capability_required, operator_required
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

logger = logging.getLogger(__name__)


def _tenant_of(request: HttpRequest) -> Tenant:
    """The tenant django-tenants resolved from the host."""
    return request.tenant  # type: ignore[attr-defined]


def _period_from(request: HttpRequest) -> date:
    text = request.GET.get("periodo", "")
    if not text:
        return selectors.current_period()
    try:
        return period_parse(text)
    except ValueError as error:
        raise Http404(_("Período inválido.")) from error


def _consumption_context(tenant_id: int, period: date) -> dict[str, object]:
    return {
        "period": period,
        "period_label": period_label(period),
        "periods": [
            (p, period_label(p)) for p in selectors.consumption_periods(tenant_id=tenant_id)
        ],
        "consumption": selectors.consumption_get(tenant_id=tenant_id, period=period),
        "storage": selectors.storage_get(tenant_id=tenant_id),
        "refreshed_at": rollups_last_refresh(),
    }


@capability_required("view_billing")
@require_GET
def consumption(request: HttpRequest) -> HttpResponse:
    period = _period_from(request)
    return render(
        request, "billing/consumption.html", _consumption_context(_tenant_of(request).pk, period)
    )


@capability_required("view_billing")
@require_GET
def statement_list(request: HttpRequest) -> HttpResponse:
    tenant = _tenant_of(request)
    return render(
        request,
        "billing/statements.html",
        {"statements": selectors.statement_list(tenant_id=tenant.pk)},
    )


def _download(request: HttpRequest, tenant: Tenant, period_text: str, fmt: str) -> HttpResponse:
    try:
        period = period_parse(period_text)
        document = selectors.statement_document(tenant=tenant, period=period, fmt=fmt)
    except (ValueError, StatementNotFound) as error:
        raise Http404(_("Extrato não encontrado.")) from error
    audit_record(
        actor=Actor.from_request(request),
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


@capability_required("view_billing")
@require_GET
def statement_download(request: HttpRequest, period: str, fmt: str) -> HttpResponse:
    return _download(request, _tenant_of(request), period, fmt)


# --- Operator (public host) ---------------------------------------------------------------


@operator_required
@require_GET
def operator_overview(request: HttpRequest) -> HttpResponse:
    period = _period_from(request)
    return render(
        request,
        "billing/operator/overview.html",
        {
            "period": period,
            "period_label": period_label(period),
            "rows": selectors.consumption_list_all_tenants(period=period),
            "refreshed_at": rollups_last_refresh(),
        },
    )


def _tenant(slug: str) -> Tenant:
    return get_object_or_404(tenant_list_all_tenants(), slug=slug)


@operator_required
@require_http_methods(["GET", "POST"])
def operator_contract(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(slug)
    contract = Contract.objects.filter(tenant=tenant).first()
    form = ContractForm(request.POST or None, contract=contract)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        terms = ContractTerms(
            reference=data["reference"],
            term_start=data["term_start"],
            term_end=data["term_end"],
            contracted_messages=data["contracted_messages"],
            storage_quota_bytes=form.storage_bytes(),
            invoicing=data["invoicing"],
            overage_policy=data["overage_policy"],
            billing_email=data["billing_email"] or "",
        )
        try:
            contract_save(
                actor=Actor.from_request(request),
                tenant=tenant,
                terms=terms,
                session_price=data.get("session_price"),
                template_price=data.get("template_price"),
            )
        except BillingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Contrato salvo."))
            return redirect("billing_ops:contract", slug=slug)
    return render(
        request,
        "billing/operator/contract.html",
        {
            "tenant": tenant,
            "contract": contract,
            "form": form,
            "price_form": PriceChangeForm() if contract else None,
            "prices": PriceSchedule.objects.filter(contract=contract) if contract else [],
        },
    )


@operator_required
@require_POST
def operator_price_add(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(slug)
    contract = get_object_or_404(Contract, tenant=tenant)
    form = PriceChangeForm(request.POST)
    if form.is_valid():
        try:
            price_change_set(
                actor=Actor.from_request(request), contract=contract, **form.cleaned_data
            )
        except BillingError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Preços registrados."))
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("billing_ops:contract", slug=slug)


@operator_required
@require_POST
def operator_price_remove(request: HttpRequest, slug: str, effective_from: str) -> HttpResponse:
    tenant = _tenant(slug)
    contract = get_object_or_404(Contract, tenant=tenant)
    try:
        day = date.fromisoformat(effective_from)
        price_change_remove(
            actor=Actor.from_request(request), contract=contract, effective_from=day
        )
    except ValueError as error:
        raise Http404 from error
    except BillingError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Mudança de preço removida."))
    return redirect("billing_ops:contract", slug=slug)


@operator_required
@require_http_methods(["GET", "POST"])
def operator_adjustments(request: HttpRequest, slug: str) -> HttpResponse:
    """Manual credits and debits of one client: the form and every adjustment recorded."""
    tenant = _tenant(slug)
    contract = get_object_or_404(Contract, tenant=tenant)
    next_period = adjustment_period_next(tenant_id=tenant.pk)
    form = AdjustmentForm(
        request.POST or None, initial={"period": f"{next_period:%Y-%m}", "operation": "credit"}
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            period = period_parse(data["period"])
        except ValueError:
            form.add_error(None, _("Período inválido."))
        else:
            try:
                adjustment_record(
                    actor=Actor.from_request(request),
                    tenant=tenant,
                    period=period,
                    request=AdjustmentRequest(
                        operation=data["operation"],
                        justification=data["justification"],
                        kind=data["kind"] or "",
                        quantity=data["quantity"] or 0,
                        amount=data["amount"],
                    ),
                )
            except BillingError as error:
                form.add_error(error.field if error.field in form.fields else None, error.message)
            else:
                messages.success(
                    request,
                    _("Ajuste registrado no período %(period)s.")
                    % {"period": period_label(next_period)},
                )
                return redirect("billing_ops:adjustments", slug=slug)
    return render(
        request,
        "billing/operator/adjustments.html",
        {
            "tenant": tenant,
            "contract": contract,
            "form": form,
            "next_period_label": period_label(next_period),
            "adjustments": selectors.adjustment_list(tenant_id=tenant.pk),
        },
    )


@operator_required
@require_GET
def operator_statements(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(slug)
    return render(
        request,
        "billing/operator/statements.html",
        {
            "tenant": tenant,
            "statements": selectors.statement_list(tenant_id=tenant.pk),
        },
    )


@operator_required
@require_GET
def operator_statement_download(
    request: HttpRequest, slug: str, period: str, fmt: str
) -> HttpResponse:
    return _download(request, _tenant(slug), period, fmt)


@csrf_exempt
@require_POST
def stripe_webhook(request: HttpRequest) -> HttpResponse:
    """Stripe calls this (public host). Only a correctly signed event is applied."""
    try:
        stripe_webhook_handle(
            payload=request.body, signature=request.headers.get("Stripe-Signature", "")
        )
    except StripeWebhookInvalid as error:
        logger.warning("billing: refused Stripe webhook: %s", error.message)
        return HttpResponseBadRequest("invalid signature")
    return HttpResponse("ok")

"""Closed statements of Stripe-invoiced tenants become Stripe invoices (docs/adr/0011).

One customer per tenant; one invoice per statement, with one invoice item per statement line
(quantity x `unit_amount_decimal`, in cents with the four places of the unit price). Stripe rounds
each item to a cent, while the statement rounds the exact total once (ABNT NBR 5891), so when the
two differ a rounding item of the difference is added: the invoice total equals the statement
total to the cent, and it is checked before the invoice is finalized.

Retries never bill twice: every creating call carries an idempotency key derived from the
statement's hash, and before creating anything the job looks for what a previous attempt already
created (by metadata), because Stripe keeps idempotency keys for 24 hours only.
"""

from __future__ import annotations

import json
import logging
from datetime import datetime
from decimal import Decimal
from typing import Any

import stripe
from django.conf import settings
from django.db import transaction
from django.utils import timezone

from billing.errors import BillingError, StripeReconciliationError
from billing.models import (
    Contract,
    InvoiceStatus,
    InvoicingMode,
    Statement,
    StripeCustomer,
    StripeInvoice,
)
from billing.money import to_cents
from billing.periods import period_bounds, period_label
from billing.statements.present import adjustment_description, kind_label
from core.validators import format_cnpj
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

logger = logging.getLogger(__name__)
CURRENCY = "brl"
ROUNDING_LINE = "rounding"
_DONE = {InvoiceStatus.OPEN, InvoiceStatus.PAID, InvoiceStatus.PAYMENT_FAILED, InvoiceStatus.VOID}


def stripe_client() -> stripe.StripeClient:
    """The one Stripe client: explicit timeout, a couple of network retries (the library reuses
    our idempotency key on retry), and an API base that tests point at localstripe."""
    if not settings.STRIPE_API_KEY:
        raise BillingError("Stripe is not configured (STRIPE_API_KEY)")
    base = {"api": settings.STRIPE_API_BASE} if settings.STRIPE_API_BASE else None
    return stripe.StripeClient(
        settings.STRIPE_API_KEY,
        base_addresses=base,  # type: ignore[arg-type]
        http_client=stripe.RequestsClient(timeout=settings.STRIPE_TIMEOUT_SECONDS),
        max_network_retries=2,
    )


def _key(statement: Statement, part: str) -> str:
    return f"statement-{statement.content_hash[:40]}-{part}"


def stripe_customer_ensure(client: stripe.StripeClient, tenant: Tenant, contract: Contract) -> str:
    known = StripeCustomer.objects.filter(tenant=tenant).first()
    if known is not None:
        return known.customer_id
    # A previous attempt may have created it and died before saving: find it by metadata.
    existing = next(
        (
            customer
            for customer in client.v1.customers.list(
                params={"email": contract.billing_email, "limit": 100}
            ).auto_paging_iter()
            if _metadata(customer).get("tenant_id") == str(tenant.pk)
        ),
        None,
    )
    customer = existing or client.v1.customers.create(
        params={
            "name": tenant.name,
            "email": contract.billing_email,
            "description": f"CNPJ {format_cnpj(tenant.cnpj or '')} — {contract.reference}",
            "metadata": {
                "tenant_id": str(tenant.pk),
                "slug": tenant.slug,
                "cnpj": tenant.cnpj or "",
            },
            "preferred_locales": ["pt-BR"],
        },
        options={"idempotency_key": f"tenant-{tenant.pk}-customer"},
    )
    StripeCustomer.objects.get_or_create(tenant=tenant, defaults={"customer_id": customer.id})
    return str(customer.id)


def _metadata(obj: Any) -> dict[str, str]:
    metadata = getattr(obj, "metadata", None)
    return dict(metadata.to_dict()) if metadata else {}


def _line_items(statement: Statement, content: dict[str, Any]) -> list[tuple[str, dict[str, Any]]]:
    start, end = period_bounds(statement.period)
    items: list[tuple[str, dict[str, Any]]] = []
    for index, line in enumerate(content["lines"]):
        label = kind_label(line["kind"])
        if line["adjustment_of"]:
            label = f"Ajuste {line['adjustment_of'][5:7]}/{line['adjustment_of'][:4]}: {label}"
        unit_cents = Decimal(line["unit_price"]) * 100  # 0.0457 BRL → 4.57 cents
        items.append(
            (
                f"line-{index}",
                {
                    "quantity": line["quantity"],
                    "unit_amount_decimal": unit_cents.normalize() if unit_cents else Decimal("0"),
                    "description": f"{label} — {period_label(statement.period)} "
                    f"({line['first_day']} a {line['last_day']})",
                    "period": {"start": int(start.timestamp()), "end": int(end.timestamp()) - 1},
                },
            )
        )
    # Manual adjustments: Stripe takes an amount in cents; the rounding line reconciles the
    # total to the statement's (which rounds the exact sum once).
    items.extend(
        (
            f"adjustment-{adjustment['id']}",
            {
                "amount": to_cents(Decimal(adjustment["amount"])),
                "description": f"{adjustment_description(adjustment)} — "
                f"{period_label(statement.period)}",
            },
        )
        for adjustment in content.get("adjustments", [])
    )
    return items


def _find_invoice(
    client: stripe.StripeClient, customer_id: str, statement: Statement
) -> Any | None:
    for invoice in client.v1.invoices.list(
        params={"customer": customer_id, "limit": 100}
    ).auto_paging_iter():
        if _metadata(invoice).get("statement_id") == str(statement.pk):
            return invoice
    return None


def _pending_items(
    client: stripe.StripeClient, customer_id: str, statement: Statement
) -> dict[str, Any]:
    found: dict[str, Any] = {}
    for item in client.v1.invoice_items.list(
        params={"customer": customer_id, "limit": 100}
    ).auto_paging_iter():
        metadata = _metadata(item)
        if item.invoice is None and metadata.get("statement_id") == str(statement.pk):
            found[metadata["line"]] = item
    return found


def _map_status(status: str | None) -> str:
    return {
        "draft": InvoiceStatus.DRAFT,
        "open": InvoiceStatus.OPEN,
        "paid": InvoiceStatus.PAID,
        "void": InvoiceStatus.VOID,
        "uncollectible": InvoiceStatus.PAYMENT_FAILED,
    }.get(status or "", InvoiceStatus.OPEN)


def stripe_invoice_statement(
    *,
    statement: Statement,
    client: stripe.StripeClient | None = None,
    now: datetime | None = None,
) -> StripeInvoice:
    """Creates (or resumes) the Stripe invoice of a closed statement and finalizes it."""
    if statement.contract_id is None:
        raise BillingError("statement without a contract")
    contract = Contract.objects.select_related("tenant").get(pk=statement.contract_id)
    if contract.invoicing != InvoicingMode.STRIPE:
        raise BillingError("this tenant is not invoiced through Stripe")
    content = json.loads(statement.content)
    statement_cents = to_cents(Decimal(content["total_billed"]))
    with transaction.atomic():
        record, _created = StripeInvoice.objects.select_for_update().get_or_create(
            statement=statement, defaults={"customer_id": "", "statement_cents": statement_cents}
        )
        if record.status in _DONE:
            return record
        record.attempts += 1
        record.save(update_fields=["attempts", "updated_at"])

    client = client or stripe_client()
    tenant = contract.tenant
    customer_id = stripe_customer_ensure(client, tenant, contract)
    metadata = {
        "statement_id": str(statement.pk),
        "tenant_id": str(tenant.pk),
        "period": statement.period.isoformat(),
        "content_hash": statement.content_hash,
    }
    invoice = _find_invoice(client, customer_id, statement)
    if invoice is None:
        pending = _pending_items(client, customer_id, statement)
        for line_key, params in _line_items(statement, content):
            if line_key not in pending:
                pending[line_key] = client.v1.invoice_items.create(
                    params={  # type: ignore[arg-type]
                        "customer": customer_id,
                        "currency": CURRENCY,
                        **params,
                        "metadata": {**metadata, "line": line_key},
                    },
                    options={"idempotency_key": _key(statement, line_key)},
                )
        stripe_sum = sum(int(item.amount) for key, item in pending.items() if key != ROUNDING_LINE)
        difference = statement_cents - stripe_sum
        rounding = pending.get(ROUNDING_LINE)
        if difference and rounding is None:
            client.v1.invoice_items.create(
                params={
                    "customer": customer_id,
                    "currency": CURRENCY,
                    "amount": difference,
                    "description": "Ajuste de arredondamento do total (ABNT NBR 5891)",
                    "metadata": {**metadata, "line": ROUNDING_LINE},
                },
                options={"idempotency_key": _key(statement, ROUNDING_LINE)},
            )
        invoice = client.v1.invoices.create(
            params={
                "customer": customer_id,
                "description": f"Extrato de consumo {period_label(statement.period)} — "
                f"{contract.reference}",
                "metadata": metadata,
                "pending_invoice_items_behavior": "include",
            },
            options={"idempotency_key": _key(statement, "invoice")},
        )
    record.customer_id = customer_id
    record.invoice_id = invoice.id
    record.invoice_cents = int(invoice.total)
    if int(invoice.total) != statement_cents:
        record.status = InvoiceStatus.ERROR
        record.last_error = (
            f"Stripe invoice total {invoice.total} ≠ statement total "
            f"{statement_cents} (cents); not finalized"
        )
        record.save()
        logger.error("billing: %s", record.last_error)
        raise StripeReconciliationError(record.last_error)
    if invoice.status == "draft":
        invoice = client.v1.invoices.finalize_invoice(
            invoice.id,
            params={"auto_advance": True},
            options={"idempotency_key": _key(statement, "finalize")},
        )
    with transaction.atomic():
        before = record.status
        record.status = _map_status(invoice.status)
        record.finalized_at = now or timezone.now()
        record.last_error = ""
        record.save()
        audit_record(
            actor=Actor.system("faturamento"),
            action="billing.stripe.invoice",
            target=statement,
            before={"status": before},
            after={
                "status": record.status,
                "invoice_id": record.invoice_id,
                "customer_id": customer_id,
                "invoice_cents": record.invoice_cents,
                "statement_cents": statement_cents,
            },
        )
    return record

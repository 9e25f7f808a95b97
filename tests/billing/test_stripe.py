"""Stripe invoicing of closed statements, against localstripe on 127.0.0.1 (with the recorded
Stripe responses for what localstripe lacks, see `stripe_double.py`)."""

from __future__ import annotations

import copy
import json
import threading
from collections.abc import Callable, Iterator
from datetime import date
from decimal import Decimal
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import httpx
import pytest
import stripe
from django.conf import settings
from django.db import connection
from django.test import Client

from billing.models import InvoiceStatus, Statement, StripeCustomer, StripeEvent, StripeInvoice
from billing.money import round_cents, to_cents
from billing.services.stripe_invoicing import stripe_invoice_statement
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.billing.conftest import Close, MakeContract, Meter, sp
from tests.billing.stripe_double import StripeDouble, fixture, sign

pytestmark = pytest.mark.django_db
WEBHOOK_URL = "/webhooks/stripe/"


@pytest.fixture
def stripe_tenant(tenant_alfa: Tenant, make_contract: MakeContract) -> Tenant:
    make_contract(tenant_alfa, invoicing="stripe")
    return tenant_alfa


def ledger_cents(tenant: Tenant, period: date) -> int:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT sum(unit_price) FROM billing_usagerecord "
            "WHERE tenant_id = %s AND billing_period = %s",
            [tenant.pk, period],
        )
        return to_cents(cursor.fetchone()[0])


def close_and_invoice(
    close: Close, tenant: Tenant, period: date, capture: Callable[..., Any]
) -> Statement:
    with capture(execute=True):
        statement = close(tenant, period)
    return statement


@pytest.mark.req("6.6.4.1")
def test_the_stripe_invoice_total_equals_the_statement_and_the_ledger(
    stripe_double: StripeDouble,
    stripe_tenant: Tenant,
    meter: Meter,
    close: Close,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    for n in range(11):
        meter(stripe_tenant, f"s{n}", sp(2026, 1, 2 + n))
    for n in range(5):
        meter(stripe_tenant, f"t{n}", sp(2026, 1, 20 + n), kind="template", origin="system")

    statement = close_and_invoice(
        close, stripe_tenant, date(2026, 1, 1), django_capture_on_commit_callbacks
    )

    invoice = StripeInvoice.objects.get(statement=statement)
    assert invoice.status == InvoiceStatus.OPEN
    stripe_side = stripe_double.invoices[str(invoice.invoice_id)]
    # 11 x 4.57 + 5 x 35.21 cents = 226.32 → 226; the ledger, the statement and Stripe agree.
    assert stripe_side["total"] == invoice.invoice_cents == invoice.statement_cents == 226
    assert to_cents(statement.total_billed) == 226
    assert ledger_cents(stripe_tenant, date(2026, 1, 1)) == 226
    assert stripe_side["status"] == "open"
    assert stripe_side["auto_advance"] is True
    assert stripe_side["metadata"]["statement_id"] == str(statement.pk)
    assert stripe_side["metadata"]["content_hash"] == statement.content_hash
    lines = stripe_side["lines"]["data"]
    assert sorted((line["quantity"], line["amount"]) for line in lines) == [(5, 176), (11, 50)]
    items = stripe_double.created("/v1/invoiceitems")
    assert [
        (r.params["quantity"], r.params["unit_amount_decimal"], r.params["currency"]) for r in items
    ] == [("11", "4.57", "brl"), ("5", "35.21", "brl")]
    assert all(r.idempotency_key for r in stripe_double.requests if r.method == "POST")
    customer = StripeCustomer.objects.get(tenant=stripe_tenant)
    assert stripe_side["customer"] == customer.customer_id
    assert (
        AuditEntry.objects.filter(
            action="billing.stripe.invoice", object_id=str(statement.pk)
        ).count()
        == 1
    )


def test_stripe_rounding_per_line_is_reconciled_to_the_statement_total(
    stripe_double: StripeDouble,
    tenant_alfa: Tenant,
    make_contract: MakeContract,
    meter: Meter,
    close: Close,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    # 2 x R$ 0,0125 = R$ 0,025 exactly: half-even bills R$ 0,02, while a per-line half-up
    # rounding of 2.5 cents gives 3. A rounding item of -1 cent makes Stripe equal the statement.
    make_contract(tenant_alfa, invoicing="stripe", session="0.0125")
    meter(tenant_alfa, "a", sp(2026, 1, 5))
    meter(tenant_alfa, "b", sp(2026, 1, 6))

    statement = close_and_invoice(
        close, tenant_alfa, date(2026, 1, 1), django_capture_on_commit_callbacks
    )

    assert statement.total_billed == round_cents(Decimal("0.025")) == Decimal("0.02")
    invoice = StripeInvoice.objects.get(statement=statement)
    lines = stripe_double.invoices[str(invoice.invoice_id)]["lines"]["data"]
    assert sorted((line["metadata"]["line"], line["amount"]) for line in lines) == [
        ("line-0", 3),
        ("rounding", -1),
    ]
    assert stripe_double.invoices[str(invoice.invoice_id)]["total"] == 2 == invoice.statement_cents


def test_a_retried_job_never_bills_twice(
    stripe_double: StripeDouble,
    stripe_tenant: Tenant,
    meter: Meter,
    close: Close,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    meter(stripe_tenant, "s", sp(2026, 1, 5))
    meter(stripe_tenant, "t", sp(2026, 1, 6), kind="template", origin="bot")
    statement = close(stripe_tenant, date(2026, 1, 1))  # not invoiced yet: no on-commit run

    # The worker dies after creating the invoice items, before creating the invoice.
    original = stripe.InvoiceService.create

    def dies(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("worker killed")

    monkeypatch.setattr(stripe.InvoiceService, "create", dies)
    with pytest.raises(RuntimeError):
        stripe_invoice_statement(statement=statement)
    assert StripeInvoice.objects.get(statement=statement).status == InvoiceStatus.PENDING
    assert len(stripe_double.created("/v1/invoiceitems")) == 2

    # The retry finds the items the first attempt made (by metadata) and creates none again.
    monkeypatch.setattr(stripe.InvoiceService, "create", original)
    first = stripe_invoice_statement(statement=statement)
    assert len(stripe_double.created("/v1/invoiceitems")) == 2
    assert len(stripe_double.invoices) == 1
    invoice = next(iter(stripe_double.invoices.values()))
    assert invoice["total"] == to_cents(statement.total_billed) == 40  # 4.57 + 35.21 → 40

    # Running again after success does nothing at all.
    before = len(stripe_double.requests)
    second = stripe_invoice_statement(statement=statement)
    assert len(stripe_double.requests) == before
    assert first.invoice_id == second.invoice_id
    assert second.attempts == 2
    assert StripeCustomer.objects.filter(tenant=stripe_tenant).count() == 1


def test_a_lost_response_is_retried_with_the_same_idempotency_key(
    stripe_double: StripeDouble,
    stripe_tenant: Tenant,
    meter: Meter,
    close: Close,
) -> None:
    meter(stripe_tenant, "s", sp(2026, 1, 5))
    statement = close(stripe_tenant, date(2026, 1, 1))
    stripe_double.lose_response_of = {"/v1/invoices", "/v1/invoiceitems"}

    invoice = stripe_invoice_statement(statement=statement)

    creates = stripe_double.created("/v1/invoices")
    assert len(creates) == 2  # the call and the library's retry
    assert creates[0].idempotency_key == creates[1].idempotency_key
    assert len(stripe_double.invoices) == 1  # …which Stripe answered with the same invoice
    items = stripe_double.created("/v1/invoiceitems")
    assert len(items) == 2 and items[0].idempotency_key == items[1].idempotency_key
    assert len(next(iter(stripe_double.invoices.values()))["lines"]["data"]) == 1
    assert invoice.status == InvoiceStatus.OPEN


def test_statement_only_tenants_are_not_invoiced(
    stripe_double: StripeDouble,
    contract_alfa: Any,
    tenant_alfa: Tenant,
    meter: Meter,
    close: Close,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    meter(tenant_alfa, "s", sp(2026, 1, 5))
    close_and_invoice(close, tenant_alfa, date(2026, 1, 1), django_capture_on_commit_callbacks)
    assert not StripeInvoice.objects.exists()
    assert stripe_double.requests == []


# --- Webhooks -----------------------------------------------------------------------------


def event_for(invoice: dict[str, Any], event_type: str, event_id: str) -> bytes:
    event = fixture("event")
    event.update({"id": event_id, "type": event_type, "data": {"object": copy.deepcopy(invoice)}})
    return json.dumps(event).encode()


def deliver(payload: bytes, signature: str) -> Any:
    return Client(HTTP_HOST=settings.BASE_DOMAIN).post(
        WEBHOOK_URL,
        data=payload,
        content_type="application/json",
        HTTP_STRIPE_SIGNATURE=signature,
    )


@pytest.fixture
def open_invoice(
    stripe_double: StripeDouble, stripe_tenant: Tenant, meter: Meter, close: Close
) -> tuple[StripeInvoice, dict[str, Any]]:
    meter(stripe_tenant, "s", sp(2026, 1, 5))
    statement = close(stripe_tenant, date(2026, 1, 1))
    invoice = stripe_invoice_statement(statement=statement)
    return invoice, stripe_double.invoices[str(invoice.invoice_id)]


@audits_route("public:billing_webhooks:stripe")
def test_signed_webhooks_update_the_invoice_once(
    open_invoice: tuple[StripeInvoice, dict[str, Any]],
) -> None:
    invoice, stripe_side = open_invoice
    secret = settings.STRIPE_WEBHOOK_SECRET

    failed = event_for(stripe_side, "invoice.payment_failed", "evt_failed")
    assert deliver(failed, sign(failed, secret)).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAYMENT_FAILED

    paid = event_for({**stripe_side, "status": "paid"}, "invoice.paid", "evt_paid")
    assert deliver(paid, sign(paid, secret)).status_code == 200
    assert deliver(paid, sign(paid, secret)).status_code == 200  # delivered twice
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert invoice.paid_at is not None
    assert StripeEvent.objects.filter(event_id="evt_paid").count() == 1

    # A failure notice arriving late does not undo the payment.
    late = event_for(stripe_side, "invoice.payment_failed", "evt_failed_late")
    assert deliver(late, sign(late, secret)).status_code == 200
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.PAID
    assert list(
        AuditEntry.objects.filter(action="billing.stripe.invoice_status").values_list(
            "after__status", flat=True
        )
    ) == ["payment_failed", "paid"]


@pytest.mark.parametrize(
    "signature",
    [
        "",
        "t=1,v1=deadbeef",
        "wrong-secret",
        "stale",
    ],
)
def test_unsigned_or_badly_signed_webhooks_are_refused_and_change_nothing(
    open_invoice: tuple[StripeInvoice, dict[str, Any]],
    signature: str,
) -> None:
    invoice, stripe_side = open_invoice
    payload = event_for(stripe_side, "invoice.paid", "evt_forged")
    if signature == "wrong-secret":
        signature = sign(payload, "whsec_someone_else")
    elif signature == "stale":
        signature = sign(payload, settings.STRIPE_WEBHOOK_SECRET, timestamp=1_600_000_000)

    response = deliver(payload, signature)

    assert response.status_code == 400
    invoice.refresh_from_db()
    assert invoice.status == InvoiceStatus.OPEN
    assert not StripeEvent.objects.exists()


class _Receiver(BaseHTTPRequestHandler):
    received: list[tuple[bytes, str]] = []
    arrived = threading.Event()

    def log_message(self, format: str, *args: Any) -> None:
        return

    def do_POST(self) -> None:
        body = self.rfile.read(int(self.headers["Content-Length"]))
        type(self).received.append((body, self.headers["Stripe-Signature"]))
        # Events of customers created by earlier tests may still be on their way: wait for ours.
        if b'"name": "Webhook Test"' in body:
            type(self).arrived.set()
        self.send_response(200)
        self.end_headers()


@pytest.fixture
def receiver() -> Iterator[str]:
    _Receiver.received = []
    _Receiver.arrived = threading.Event()
    server = ThreadingHTTPServer(("127.0.0.1", 0), _Receiver)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    yield f"http://127.0.0.1:{server.server_address[1]}/"
    server.shutdown()
    server.server_close()


def test_an_event_signed_by_localstripe_is_accepted(
    stripe_double: StripeDouble,
    localstripe_url: str,
    receiver: str,
) -> None:
    # localstripe signs its own events; our endpoint must verify them with the shared secret.
    httpx.post(
        f"{localstripe_url}/_config/webhooks/billing",
        data={
            "url": receiver,
            "secret": settings.STRIPE_WEBHOOK_SECRET,
            "events[]": "customer.created",
        },
        timeout=10,
    )
    httpx.post(
        f"{localstripe_url}/v1/customers",
        data={"name": "Webhook Test", "email": "w@x.br"},
        headers={"Authorization": "Bearer sk_test_billing"},
        timeout=10,
    )
    assert _Receiver.arrived.wait(timeout=15)
    body, signature = next(
        (body, signature)
        for body, signature in _Receiver.received
        if b'"name": "Webhook Test"' in body
    )

    assert deliver(body, signature).status_code == 200
    assert StripeEvent.objects.get().type == "customer.created"
    forged = body.replace(b'"name": "Webhook Test"', b'"name": "Forged Test"')
    assert forged != body
    assert deliver(forged, signature).status_code == 400
    assert StripeEvent.objects.count() == 1

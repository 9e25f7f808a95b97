"""What we keep of Stripe's side (docs/adr/0011): one customer per tenant, one invoice per closed
statement of a Stripe-invoiced tenant, and each webhook event once."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class StripeCustomer(models.Model):
    tenant = models.OneToOneField("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    customer_id = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(auto_now_add=True)

    def __str__(self) -> str:
        return self.customer_id


class InvoiceStatus(models.TextChoices):
    PENDING = "pending", _("Aguardando envio")
    DRAFT = "draft", _("Rascunho no Stripe")
    OPEN = "open", _("Emitida")
    PAID = "paid", _("Paga")
    PAYMENT_FAILED = "payment_failed", _("Falha no pagamento")
    VOID = "void", _("Cancelada")
    ERROR = "error", _("Erro de conciliação")


class StripeInvoice(models.Model):
    statement = models.OneToOneField(
        "billing.Statement", on_delete=models.PROTECT, related_name="stripe_invoice"
    )
    customer_id = models.CharField(max_length=64)
    invoice_id = models.CharField(max_length=64, unique=True, null=True, blank=True)
    status = models.CharField(
        max_length=16, choices=InvoiceStatus.choices, default=InvoiceStatus.PENDING
    )
    statement_cents = models.BigIntegerField()
    invoice_cents = models.BigIntegerField(null=True)
    attempts = models.PositiveIntegerField(default=0)
    last_error = models.TextField(blank=True, default="")
    finalized_at = models.DateTimeField(null=True)
    paid_at = models.DateTimeField(null=True)
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return self.invoice_id or f"statement {self.statement_id}"


class StripeEvent(models.Model):
    event_id = models.CharField(max_length=64, unique=True)
    type = models.CharField(max_length=64)
    invoice_id = models.CharField(max_length=64, blank=True, default="")
    received_at = models.DateTimeField(auto_now_add=True)
    payload = models.JSONField()

    def __str__(self) -> str:
        return f"{self.event_id} {self.type}"

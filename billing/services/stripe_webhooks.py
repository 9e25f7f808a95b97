"""Signed Stripe webhooks: invoice paid and payment failed update our invoice (docs/adr/0011).

The signature is checked with the endpoint's secret (and a five-minute tolerance against
replays); each event is applied once (its id is unique); a payment failure arriving after the
payment (Stripe does not promise order) does not undo "paid".
"""

from __future__ import annotations

import logging
from typing import Any

import stripe
from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from billing.errors import StripeWebhookInvalid
from billing.models import InvoiceStatus, StripeEvent, StripeInvoice
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger(__name__)

_TRANSITIONS: dict[str, str] = {
    "invoice.paid": InvoiceStatus.PAID,
    "invoice.payment_succeeded": InvoiceStatus.PAID,
    "invoice.payment_failed": InvoiceStatus.PAYMENT_FAILED,
    "invoice.voided": InvoiceStatus.VOID,
    "invoice.finalized": InvoiceStatus.OPEN,
}


def stripe_event_verify(*, payload: bytes, signature: str) -> Any:
    secret = settings.STRIPE_WEBHOOK_SECRET
    if not secret:
        raise StripeWebhookInvalid("webhook secret not configured")
    try:
        return stripe.Webhook.construct_event(payload, signature, secret, tolerance=300)
    except (ValueError, stripe.SignatureVerificationError) as error:
        raise StripeWebhookInvalid(str(error)) from error


def stripe_webhook_handle(*, payload: bytes, signature: str) -> StripeEvent | None:
    """Verifies and applies one delivery; None when this event was already applied."""
    event = stripe_event_verify(payload=payload, signature=signature)
    body = event.to_dict()
    obj = body.get("data", {}).get("object", {})
    invoice_id = str(obj.get("id", "")) if event.type.startswith("invoice.") else ""
    try:
        with transaction.atomic():
            record = StripeEvent.objects.create(
                event_id=event.id,
                type=event.type,
                invoice_id=invoice_id,
                payload=body,
            )
            target = _TRANSITIONS.get(event.type)
            if target and invoice_id:
                _apply(invoice_id=invoice_id, target=target, event_id=event.id)
    except IntegrityError:
        return None  # delivered again: already applied
    return record


def _apply(*, invoice_id: str, target: str, event_id: str) -> None:
    invoice = StripeInvoice.objects.select_for_update().filter(invoice_id=invoice_id).first()
    if invoice is None:
        logger.info("billing: webhook %s for unknown invoice %s ignored", event_id, invoice_id)
        return
    before = invoice.status
    if before == InvoiceStatus.PAID and target != InvoiceStatus.VOID:
        return
    if before == target:
        return
    invoice.status = target
    if target == InvoiceStatus.PAID:
        invoice.paid_at = timezone.now()
    invoice.save()
    audit_record(
        actor=Actor.system("stripe"),
        action="billing.stripe.invoice_status",
        target=invoice,
        object_repr=f"{invoice_id}",
        before={"status": before},
        after={"status": target, "event_id": event_id},
    )

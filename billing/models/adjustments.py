"""Manual adjustments: a credit or debit an operator records for a tenant, with a justification.

Like late usage (docs/adr/0010), an adjustment never touches a closed period: it is billed in the
period that was the tenant's next open one when it was recorded, and shown on that statement as
an adjustment. Rows are append-only: a database trigger refuses UPDATE and DELETE, and refuses an
INSERT into a closed period. A wrong adjustment is corrected by another one.
"""

from __future__ import annotations

from decimal import Decimal

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AdjustmentOperation(models.TextChoices):
    CREDIT = "credit", _("Crédito (reduz o valor cobrado)")
    DEBIT = "debit", _("Débito (aumenta o valor cobrado)")


class ManualAdjustment(models.Model):
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="+", verbose_name=_("cliente")
    )
    billing_period = models.DateField(_("período do extrato"))
    operation = models.CharField(_("operação"), max_length=8, choices=AdjustmentOperation.choices)
    # A message adjustment has a kind, a quantity and the unit price it was valued at; an amount
    # adjustment has only the amount (kind empty, quantity 0, no unit price).
    kind = models.CharField(_("tipo de mensagem"), max_length=8, blank=True, default="")
    quantity = models.BigIntegerField(_("mensagens"), default=0)
    unit_price = models.DecimalField(
        _("custo unitário (R$)"), max_digits=12, decimal_places=4, null=True
    )
    # Unsigned, exact (four places); the operation gives the sign.
    amount = models.DecimalField(_("valor (R$)"), max_digits=24, decimal_places=4)
    justification = models.TextField(_("justificativa"))
    recorded_at = models.DateTimeField(_("registrado em"), default=timezone.now)
    recorded_by = models.CharField(_("registrado por"), max_length=254)

    class Meta:
        verbose_name = _("ajuste manual")
        verbose_name_plural = _("ajustes manuais")
        ordering = ["tenant", "billing_period", "recorded_at", "id"]
        indexes = [
            models.Index(fields=["tenant", "billing_period"], name="billing_adjustment_period"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(operation__in=["credit", "debit"]),
                name="billing_adjustment_operation",
            ),
            models.CheckConstraint(
                condition=(
                    Q(kind__in=["session", "template"], quantity__gt=0, unit_price__gte=0)
                    | Q(kind="", quantity=0, unit_price__isnull=True, amount__gt=0)
                ),
                name="billing_adjustment_shape",
            ),
            models.CheckConstraint(
                condition=Q(amount__gte=0), name="billing_adjustment_amount_not_negative"
            ),
            models.CheckConstraint(
                condition=~Q(justification=""), name="billing_adjustment_justified"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.billing_period:%m/%Y} {self.operation} {self.amount}"

    @property
    def sign(self) -> int:
        return -1 if self.operation == AdjustmentOperation.CREDIT else 1

    @property
    def signed_quantity(self) -> int:
        return self.sign * self.quantity

    @property
    def signed_amount(self) -> Decimal:
        return self.sign * self.amount

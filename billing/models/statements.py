"""Closed monthly statements (6.6.4). A row exists only for a closed period and never changes:
a database trigger refuses UPDATE and DELETE (docs/adr/0010)."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _


class Statement(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey(
        "billing.Contract", on_delete=models.PROTECT, related_name="statements", null=True
    )
    period = models.DateField(_("período"))
    closed_at = models.DateTimeField(_("fechado em"))
    closed_by = models.CharField(_("fechado por"), max_length=254)
    # The canonical JSON the hash covers, byte for byte, and its SHA-256.
    content = models.TextField()
    content_hash = models.CharField(_("hash de verificação"), max_length=64, unique=True)
    billed_quantity = models.BigIntegerField(_("mensagens tarifadas"))
    total_exact = models.DecimalField(max_digits=24, decimal_places=4)
    total_billed = models.DecimalField(_("valor faturado"), max_digits=16, decimal_places=2)
    # Renderings stored at close, so a download years later is the document that was issued.
    pdf = models.BinaryField()
    csv = models.BinaryField()
    xlsx = models.BinaryField()

    class Meta:
        verbose_name = _("extrato mensal")
        verbose_name_plural = _("extratos mensais")
        ordering = ["tenant", "-period"]
        constraints = [
            models.UniqueConstraint(fields=["tenant", "period"], name="billing_statement_once"),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.period:%m/%Y}"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            from billing.services.closing import closed_period_violation

            closed_period_violation(
                tenant_id=self.tenant_id,
                period=self.period,
                attempt="statement.save",
                actor=None,
            )
        super().save(*args, **kwargs)

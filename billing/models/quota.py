from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class QuotaAlert(models.Model):
    """80% or 100% of the contracted volume reached. Unique per threshold and contracted volume:
    fired once each, and armed again only if an amendment changes the volume."""

    contract = models.ForeignKey(
        "billing.Contract", on_delete=models.PROTECT, related_name="quota_alerts"
    )
    threshold = models.PositiveSmallIntegerField(_("limite (%)"))
    contracted_messages = models.BigIntegerField()
    used_messages = models.BigIntegerField()
    fired_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "threshold", "contracted_messages"],
                name="billing_quota_alert_once",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.contract_id}: {self.threshold}%"

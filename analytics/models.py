"""The only PostgreSQL table of analytics: where each tenant's export of each source stands.

It lives in the public schema (analytics is a shared app): the export reads a tenant's rows
inside its schema and locks this row in the same transaction (the search path includes
public), and the control plane reads every tenant's lag with one query (docs/adr/0051).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ExportWatermark(models.Model):
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="analytics_watermarks"
    )
    source = models.CharField(_("fonte"), max_length=64)
    # Every source row with id <= watermark is in ClickHouse and will never change.
    watermark = models.BigIntegerField(_("marca d'água"), default=0)
    # Ids up to here can no longer appear: a missing one was rolled back or deleted.
    settled_through = models.BigIntegerField(default=0)
    # The highest committed id seen at observed_at; settled once the settle time has passed.
    observed_max_id = models.BigIntegerField(default=0)
    observed_at = models.DateTimeField(null=True, blank=True)
    # The highest id ClickHouse acknowledged; new rows are those above it.
    exported_through = models.BigIntegerField(default=0)
    # [first, last] id ranges below exported_through with no row yet: a transaction still in
    # flight may commit one (a "late" row, exported when it appears) until the range settles.
    gaps = models.JSONField(default=list, blank=True)
    rows_sent = models.BigIntegerField(_("linhas enviadas"), default=0)
    last_export_at = models.DateTimeField(_("última exportação"), null=True, blank=True)
    rebuilt_at = models.DateTimeField(_("reconstruída em"), null=True, blank=True)

    class Meta:
        verbose_name = _("marca d'água de exportação")
        verbose_name_plural = _("marcas d'água de exportação")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "source"], name="analytics_watermark_unique")
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.source}@{self.watermark}"

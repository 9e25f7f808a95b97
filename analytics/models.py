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


class PeriodPreset(models.TextChoices):
    """The period a saved report opens with, relative to the day it is opened (São Paulo)."""

    THIS_MONTH = "mes_atual", _("Mês atual")
    LAST_MONTH = "mes_anterior", _("Mês anterior")
    LAST_7 = "ultimos_7", _("Últimos 7 dias")
    LAST_30 = "ultimos_30", _("Últimos 30 dias")


class SavedReport(models.Model):
    """A custom report (6.5.48.1) kept under a name: the builder's choices (columns, figures,
    grouping, channel and team filters) and a relative period. Visible to its owner and to the
    members of the teams it is shared with; each reader sees the figures of their own teams."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    owner_id = models.BigIntegerField()  # a user of the tenant's schema
    owner_label = models.CharField(_("criado por"), max_length=254)
    name = models.CharField(_("nome"), max_length=120)
    period = models.CharField(
        _("período"), max_length=16, choices=PeriodPreset.choices, default=PeriodPreset.THIS_MONTH
    )
    # {"dimensoes": [...], "medidas": [...], "agrupamento": "dia", "canal": "1", "equipe": ""}
    parameters = models.JSONField(default=dict)
    shared_team_ids = models.JSONField(_("compartilhado com as equipes"), default=list, blank=True)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)

    class Meta:
        verbose_name = _("relatório salvo")
        verbose_name_plural = _("relatórios salvos")
        ordering = ["name", "pk"]
        indexes = [models.Index(fields=["tenant", "owner_id"], name="saved_report_owner")]

    def __str__(self) -> str:
        return self.name


class DashboardLayout(models.Model):
    """One user's supervisor dashboard (6.5.43): which widgets, in which order, at which size.
    `widgets` is a list of {"key": <widget key>, "size": "pequeno" | "medio" | "grande"}."""

    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    user_id = models.BigIntegerField()  # a user of the tenant's schema
    widgets = models.JSONField(default=list)
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("painel do supervisor")
        verbose_name_plural = _("painéis do supervisor")
        constraints = [
            models.UniqueConstraint(fields=["tenant", "user_id"], name="dashboard_one_per_user")
        ]

    def __str__(self) -> str:
        return f"dashboard of {self.user_id}"

"""Encrypted dumps of each tenant schema and of the public schema (REQ 6.2.14)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class BackupStatus(models.TextChoices):
    RUNNING = "running", _("Em andamento")
    SUCCEEDED = "succeeded", _("Concluído")
    FAILED = "failed", _("Falhou")
    EXPIRED = "expired", _("Expirado (arquivo removido)")


class Backup(models.Model):
    schema_name = models.CharField(_("esquema"), max_length=63)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.SET_NULL, null=True, blank=True, related_name="backups"
    )
    status = models.CharField(
        _("situação"), max_length=16, choices=BackupStatus.choices, default=BackupStatus.RUNNING
    )
    started_at = models.DateTimeField(_("início"))
    finished_at = models.DateTimeField(_("fim"), null=True, blank=True)
    path = models.CharField(_("arquivo"), max_length=500, blank=True)
    size_bytes = models.BigIntegerField(_("tamanho (bytes)"), null=True, blank=True)
    sha256 = models.CharField(_("SHA-256 do arquivo cifrado"), max_length=64, blank=True)
    # {"tables": {"<table>": {"rows": n, "checksum": "<md5>"}}}: what a restore must reproduce.
    manifest = models.JSONField(_("manifesto"), default=dict, blank=True)
    error = models.TextField(_("erro"), blank=True)
    expired_at = models.DateTimeField(_("expirado em"), null=True, blank=True)

    class Meta:
        verbose_name = _("backup")
        verbose_name_plural = _("backups")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["schema_name", "-started_at"])]

    def __str__(self) -> str:
        return f"{self.schema_name} {self.started_at:%Y-%m-%d %H:%M}"

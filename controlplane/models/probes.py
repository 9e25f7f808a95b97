"""Probe results (kept for reporting, with retention) and each probe's running state."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ProbeOutcomeKind(models.TextChoices):
    OK = "ok", _("Funcionando")
    FAILED = "failed", _("Falhou")
    NOT_CONFIGURED = "not_configured", _("Não configurada")


class ProbeResult(models.Model):
    probe = models.CharField(_("sonda"), max_length=64)
    checked_at = models.DateTimeField(_("verificada em"))
    outcome = models.CharField(_("resultado"), max_length=16, choices=ProbeOutcomeKind.choices)
    latency_ms = models.PositiveIntegerField(_("tempo (ms)"), null=True, blank=True)
    detail = models.CharField(_("detalhe"), max_length=500, blank=True)

    class Meta:
        verbose_name = _("resultado de sonda")
        verbose_name_plural = _("resultados de sonda")
        ordering = ["-checked_at"]
        indexes = [
            models.Index(fields=["probe", "-checked_at"]),
            models.Index(fields=["checked_at"]),
        ]

    def __str__(self) -> str:
        return f"{self.probe} {self.checked_at:%Y-%m-%d %H:%M:%S} {self.outcome}"


class ProbeState(models.Model):
    """Where a probe stands: its current streak of failures and the outage it opened, if any.

    Updated under a row lock, so two overlapping runs cannot both open an outage.
    """

    probe = models.CharField(_("sonda"), max_length=64, unique=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    failing_since = models.DateTimeField(null=True, blank=True)
    down = models.BooleanField(default=False)
    incident = models.ForeignKey(
        "controlplane.Incident",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    last_outcome = models.CharField(max_length=16, choices=ProbeOutcomeKind.choices, blank=True)
    last_checked_at = models.DateTimeField(null=True, blank=True)
    last_detail = models.CharField(max_length=500, blank=True)
    last_latency_ms = models.PositiveIntegerField(null=True, blank=True)

    class Meta:
        verbose_name = _("estado de sonda")
        verbose_name_plural = _("estados de sonda")

    def __str__(self) -> str:
        return self.probe

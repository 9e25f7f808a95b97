"""Incidents, planned maintenance and the downtime they record (REQ 6.2.2-6.2.5, 6.2.9).

`Downtime` is the source of truth for availability: one row per component and interruption, from
the fall to the recovery. Incidents and maintenance are what the public reads; downtime is what
the SLA arithmetic (`controlplane.availability`) counts.
"""

from __future__ import annotations

from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class IncidentStatus(models.TextChoices):
    INVESTIGATING = "investigating", _("Investigando")
    IDENTIFIED = "identified", _("Causa identificada")
    MONITORING = "monitoring", _("Monitorando")
    RESOLVED = "resolved", _("Resolvido")


class IncidentImpact(models.TextChoices):
    DEGRADED = "degraded", _("Desempenho degradado")
    OUTAGE = "outage", _("Indisponibilidade")


class Incident(models.Model):
    """A public account of a problem. With impact OUTAGE it records downtime for its components."""

    title = models.CharField(_("título"), max_length=200)
    impact = models.CharField(_("impacto"), max_length=16, choices=IncidentImpact.choices)
    status = models.CharField(
        _("situação"),
        max_length=16,
        choices=IncidentStatus.choices,
        default=IncidentStatus.INVESTIGATING,
    )
    components = ArrayField(models.CharField(max_length=64), verbose_name=_("componentes"))
    started_at = models.DateTimeField(_("início"))
    resolved_at = models.DateTimeField(_("resolvido em"), null=True, blank=True)
    automatic = models.BooleanField(_("aberto pelas sondas"), default=False)
    probe_key = models.CharField(_("sonda"), max_length=64, blank=True)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)
    created_by_label = models.CharField(_("aberto por"), max_length=254)

    class Meta:
        verbose_name = _("incidente")
        verbose_name_plural = _("incidentes")
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["status", "-started_at"])]

    def __str__(self) -> str:
        return self.title

    @property
    def is_open(self) -> bool:
        return self.status != IncidentStatus.RESOLVED

    @property
    def component_names(self) -> list[str]:
        from controlplane.components import component_name

        return [component_name(key) for key in self.components]


class IncidentUpdate(models.Model):
    """One public message on an incident's timeline."""

    incident = models.ForeignKey(Incident, on_delete=models.CASCADE, related_name="updates")
    status = models.CharField(_("situação"), max_length=16, choices=IncidentStatus.choices)
    message = models.TextField(_("mensagem pública"))
    posted_at = models.DateTimeField(_("publicado em"), default=timezone.now)
    author_label = models.CharField(_("autor"), max_length=254)

    class Meta:
        verbose_name = _("atualização de incidente")
        verbose_name_plural = _("atualizações de incidente")
        ordering = ["-posted_at", "-id"]

    def __str__(self) -> str:
        return f"{self.incident}: {self.get_status_display()}"


class MaintenanceStatus(models.TextChoices):
    SCHEDULED = "scheduled", _("Agendada")
    IN_PROGRESS = "in_progress", _("Em andamento")
    COMPLETED = "completed", _("Concluída")
    CANCELLED = "cancelled", _("Cancelada")


class Maintenance(models.Model):
    """Planned maintenance: announced 2 business days ahead and counted as downtime (REQ 6.2.5)."""

    title = models.CharField(_("título"), max_length=200)
    description = models.TextField(_("descrição pública"))
    components = ArrayField(models.CharField(max_length=64), verbose_name=_("componentes"))
    scheduled_start = models.DateTimeField(_("início previsto"))
    scheduled_end = models.DateTimeField(_("fim previsto"))
    announced_at = models.DateTimeField(_("anunciada em"))
    status = models.CharField(
        _("situação"),
        max_length=16,
        choices=MaintenanceStatus.choices,
        default=MaintenanceStatus.SCHEDULED,
    )
    started_at = models.DateTimeField(_("iniciada em"), null=True, blank=True)
    completed_at = models.DateTimeField(_("concluída em"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("cancelada em"), null=True, blank=True)
    created_by_label = models.CharField(_("agendada por"), max_length=254)

    class Meta:
        verbose_name = _("manutenção programada")
        verbose_name_plural = _("manutenções programadas")
        ordering = ["-scheduled_start", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(scheduled_end__gt=F("scheduled_start")),
                name="maintenance_end_after_start",
            ),
        ]

    def __str__(self) -> str:
        return self.title

    @property
    def component_names(self) -> list[str]:
        from controlplane.components import component_name

        return [component_name(key) for key in self.components]


class Downtime(models.Model):
    """One component unavailable from `started_at` (the fall) to `ended_at` (the recovery).

    `tenant` set means only that client's service was affected (for example its own WhatsApp
    number); such rows are shown in that client's report and never on the public page.
    """

    component = models.CharField(_("componente"), max_length=64)
    started_at = models.DateTimeField(_("queda"))
    ended_at = models.DateTimeField(_("restabelecimento"), null=True, blank=True)
    cause = models.CharField(_("causa"), max_length=300)
    is_maintenance = models.BooleanField(_("manutenção programada"), default=False)
    incident = models.ForeignKey(
        Incident, on_delete=models.PROTECT, null=True, blank=True, related_name="downtimes"
    )
    maintenance = models.ForeignKey(
        Maintenance, on_delete=models.PROTECT, null=True, blank=True, related_name="downtimes"
    )
    probe_key = models.CharField(_("sonda"), max_length=64, blank=True)
    tenant = models.ForeignKey(
        "tenants.Tenant",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="downtimes",
        verbose_name=_("somente o cliente"),
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("indisponibilidade")
        verbose_name_plural = _("indisponibilidades")
        ordering = ["-started_at", "component"]
        indexes = [
            models.Index(fields=["component", "started_at"]),
            models.Index(fields=["ended_at"]),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(ended_at__isnull=True) | Q(ended_at__gte=F("started_at")),
                name="downtime_end_not_before_start",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.component} {self.started_at:%Y-%m-%d %H:%M}"


class DowntimeExclusion(models.Model):
    """A downtime caused by one client (CONTRATANTE), left out of that client's SLA (REQ 6.2.4).

    Per client: the same fall still counts for every other client. Kept with its justification,
    who recorded it and when; shown in the client's report.
    """

    downtime = models.ForeignKey(Downtime, on_delete=models.CASCADE, related_name="exclusions")
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="downtime_exclusions"
    )
    justification = models.TextField(_("justificativa"))
    recorded_at = models.DateTimeField(_("registrado em"), default=timezone.now)
    recorded_by_label = models.CharField(_("registrado por"), max_length=254)

    class Meta:
        verbose_name = _("indisponibilidade causada pelo cliente")
        verbose_name_plural = _("indisponibilidades causadas pelo cliente")
        constraints = [
            models.UniqueConstraint(fields=["downtime", "tenant"], name="one_exclusion_per_tenant"),
        ]

    def __str__(self) -> str:
        return f"{self.downtime} ({self.tenant})"

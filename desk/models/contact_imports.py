"""Contact imports from spreadsheets (6.5.39) and contacts exclusive to a team (6.5.37.9)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class ContactTeamAccess(models.Model):
    """A contact imported for one team's exclusive service (6.5.37.9).

    A contact with no row is visible to every agent; a contact with rows is visible, among
    agents, only to members of those teams. Supervisors and administrators see every contact.
    """

    contact = models.ForeignKey(
        "desk.Contact", on_delete=models.CASCADE, related_name="exclusive_teams"
    )
    team = models.ForeignKey(
        "desk.Team", on_delete=models.CASCADE, related_name="exclusive_contacts"
    )
    source_import = models.ForeignKey(
        "desk.ContactImport",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    created_at = models.DateTimeField(_("incluído em"))

    class Meta:
        verbose_name = _("contato exclusivo da equipe")
        verbose_name_plural = _("contatos exclusivos das equipes")
        constraints = [
            models.UniqueConstraint(fields=["contact", "team"], name="contact_team_access_once")
        ]

    def __str__(self) -> str:
        return f"contact {self.contact_id} team {self.team_id}"


class ImportStatus(models.TextChoices):
    UPLOADED = "uploaded", _("Aguardando mapeamento")
    QUEUED = "queued", _("Na fila")
    RUNNING = "running", _("Importando")
    DONE = "done", _("Concluída")
    FAILED = "failed", _("Falhou")


class ImportFormat(models.TextChoices):
    CSV = "csv", "CSV"
    XLSX = "xlsx", "XLSX"


class ContactImport(models.Model):
    """One uploaded file and what became of it. The file's bytes are kept only until the
    import finishes: they are personal data, and the contacts table is the result."""

    file_name = models.CharField(_("arquivo"), max_length=255)
    file_format = models.CharField(_("formato"), max_length=4, choices=ImportFormat.choices)
    file_size = models.PositiveIntegerField(_("tamanho (bytes)"))
    content = models.BinaryField(default=b"")
    headers = models.JSONField(_("colunas"), default=list)
    total_rows = models.PositiveIntegerField(_("linhas"), default=0)
    # Column index (as text, JSON keys are strings) -> contact field.
    mapping = models.JSONField(_("mapeamento"), default=dict, blank=True)
    team = models.ForeignKey(
        "desk.Team",
        verbose_name=_("equipe exclusiva"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    consent_channel = models.ForeignKey(
        "channels.Channel",
        verbose_name=_("canal do consentimento"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    status = models.CharField(
        _("situação"), max_length=10, choices=ImportStatus.choices, default=ImportStatus.UPLOADED
    )
    processed_rows = models.PositiveIntegerField(_("linhas processadas"), default=0)
    created_count = models.PositiveIntegerField(_("criados"), default=0)
    updated_count = models.PositiveIntegerField(_("atualizados"), default=0)
    unchanged_count = models.PositiveIntegerField(_("sem alteração"), default=0)
    error_count = models.PositiveIntegerField(_("linhas com erro"), default=0)
    # [{"row": 7, "reason": "..."}], the first ERRORS_KEPT of them.
    errors = models.JSONField(_("erros"), default=list, blank=True)
    failure = models.CharField(_("motivo da falha"), max_length=500, blank=True, default="")
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    actor_label = models.CharField(_("responsável"), max_length=254)
    actor_ip = models.GenericIPAddressField(null=True, blank=True)
    created_at = models.DateTimeField(_("enviado em"))
    started_at = models.DateTimeField(_("iniciado em"), null=True, blank=True)
    finished_at = models.DateTimeField(_("concluído em"), null=True, blank=True)

    class Meta:
        verbose_name = _("importação de contatos")
        verbose_name_plural = _("importações de contatos")
        ordering = ["-created_at", "-id"]

    def __str__(self) -> str:
        return f"import {self.pk} ({self.file_name})"

    @property
    def finished(self) -> bool:
        return self.status in (ImportStatus.DONE, ImportStatus.FAILED)

    @property
    def percent(self) -> int:
        if not self.total_rows:
            return 100 if self.finished else 0
        return min(100, (self.processed_rows * 100) // self.total_rows)

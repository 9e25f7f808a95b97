"""Per-team console settings of issue 6 that live beside `TeamSettings` (history visibility,
6.5.37.3/6.5.37.4; background image, 6.5.37.8) and the agents' codenames (6.5.58.5)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class HistoryVisibility(models.TextChoices):
    """6.5.37.4: which of a contact's conversations an agent of the team sees as history.

    Ordered from the strictest: an agent logged into several teams gets the strictest choice
    among them (routing/services/history.py)."""

    CURRENT = "current", _("Somente o atendimento atual")
    LOGGED_TEAMS = "logged_teams", _("Atendimentos das equipes em que o agente está conectado")
    ALL = "all", _("Todo o histórico do contato")


HISTORY_STRICTNESS = (
    HistoryVisibility.CURRENT,
    HistoryVisibility.LOGGED_TEAMS,
    HistoryVisibility.ALL,
)


class TeamConsoleSettings(models.Model):
    """How the console looks and what it shows to the agents of one team; a team without a
    row sees the whole history and no background."""

    team = models.OneToOneField(
        "desk.Team", on_delete=models.CASCADE, primary_key=True, related_name="console_settings"
    )
    history_visibility = models.CharField(
        _("histórico visível ao agente"),
        max_length=12,
        choices=HistoryVisibility.choices,
        default=HistoryVisibility.ALL,
    )
    background = models.ForeignKey(
        "desk.MediaFile",
        verbose_name=_("imagem de fundo da tela de atendimento"),
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
    )
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("aparência e histórico da equipe")
        verbose_name_plural = _("aparência e histórico das equipes")

    def __str__(self) -> str:
        return f"console settings of team {self.team_id}"


class CodenameUnavailable(models.TextChoices):
    """6.5.58.5: what happens when the citizen types the codename of an agent who cannot take
    the conversation now (offline, paused or at capacity)."""

    WAIT = "wait", _("Aguardar o atendente")
    TEAM = "team", _("Seguir para a equipe, como qualquer atendimento")


class AgentCodename(models.Model):
    """6.5.58.5: the word a citizen types to go straight to this agent's queue.

    `normalized` (lower case, no accents, single spaces) is unique in the tenant's schema, so
    two agents can never share a codename however it is typed."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="codename",
    )
    codename = models.CharField(_("codinome"), max_length=40)
    normalized = models.CharField(max_length=40, unique=True)
    when_unavailable = models.CharField(
        _("se o atendente não puder atender"),
        max_length=8,
        choices=CodenameUnavailable.choices,
        default=CodenameUnavailable.WAIT,
    )
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("codinome do atendente")
        verbose_name_plural = _("codinomes dos atendentes")

    def __str__(self) -> str:
        return self.codename


class CodenameHold(models.Model):
    """A waiting conversation the citizen addressed to one agent by codename: the fair
    dispatcher leaves it to that agent while it waits, never taken, in the same team. Once
    someone takes it, or it is moved to another team, the hold is spent and the conversation
    is an ordinary one."""

    routing = models.OneToOneField(
        "routing.ConversationRouting",
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="codename_hold",
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="codename_holds"
    )
    # The team it waits in; moved to another team (a supervisor's transfer), it is free.
    team = models.ForeignKey("desk.Team", on_delete=models.CASCADE, related_name="+")
    created_at = models.DateTimeField()

    class Meta:
        verbose_name = _("atendimento reservado por codinome")
        verbose_name_plural = _("atendimentos reservados por codinome")
        indexes = [models.Index(fields=["agent", "created_at"], name="codename_hold_agent")]

    def __str__(self) -> str:
        return f"conversation {self.routing_id} held for {self.agent_id}"

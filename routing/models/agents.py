"""Agents' presence: available, paused (with a reason) or offline, and their capacity."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class AgentStatus(models.TextChoices):
    OFFLINE = "offline", _("Desconectado")
    AVAILABLE = "available", _("Disponível")
    PAUSED = "paused", _("Em pausa")


class PauseReason(models.Model):
    """Why an agent pauses (lunch, training…), and what a citizen who writes to a paused
    agent's conversation is told (6.5.58.14)."""

    name = models.CharField(_("nome"), max_length=80, unique=True)
    auto_reply = models.TextField(
        _("mensagem ao cidadão durante a pausa"),
        blank=True,
        default=_("O atendente {agente} está em pausa no momento e responderá assim que retornar."),
    )
    is_active = models.BooleanField(_("ativo"), default=True)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)

    class Meta:
        verbose_name = _("motivo de pausa")
        verbose_name_plural = _("motivos de pausa")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class AgentState(models.Model):
    """One row per agent who ever logged in. Every change to it (and to the agent's team
    logins) locks this row first, so the dispatcher can re-check an agent under the lock."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="agent_state",
    )
    status = models.CharField(
        _("situação"), max_length=10, choices=AgentStatus.choices, default=AgentStatus.OFFLINE
    )
    capacity = models.PositiveSmallIntegerField(_("atendimentos simultâneos"), default=3)
    pause = models.ForeignKey(
        "routing.AgentPause", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    status_changed_at = models.DateTimeField(_("situação desde"), null=True, blank=True)
    # Tie-break between equally busy agents: the one who got a conversation longest ago.
    last_assigned_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("situação do atendente")
        verbose_name_plural = _("situações dos atendentes")
        constraints = [
            models.CheckConstraint(condition=Q(capacity__gte=1), name="agent_capacity_positive")
        ]

    def __str__(self) -> str:
        return f"agent {self.user_id} {self.status}"


class AgentPause(models.Model):
    """One pause of one agent, kept as history (pause time in reports)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    reason = models.ForeignKey(PauseReason, on_delete=models.PROTECT, related_name="pauses")
    started_at = models.DateTimeField(_("início"))
    ended_at = models.DateTimeField(_("fim"), null=True, blank=True)

    class Meta:
        verbose_name = _("pausa")
        verbose_name_plural = _("pausas")
        ordering = ["-started_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["user"], condition=Q(ended_at__isnull=True), name="agent_one_open_pause"
            )
        ]

    def __str__(self) -> str:
        return f"pause {self.pk} of {self.user_id}"


class PauseNotice(models.Model):
    """The pause auto-reply went to this conversation during this pause: once, not per
    message the citizen sends."""

    pause = models.ForeignKey(AgentPause, on_delete=models.CASCADE, related_name="notices")
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="+"
    )
    sent_at = models.DateTimeField()

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["pause", "conversation"], name="pause_notice_once")
        ]

    def __str__(self) -> str:
        return f"pause {self.pause_id} notice to {self.conversation_id}"

"""A conversation's routing state, its invited agents, and the append-only log of every state
change (docs/adr/0060-routing-and-lifecycle.md defines TME and TMA over that log)."""

from __future__ import annotations

from typing import Any, NoReturn

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class RoutingState(models.TextChoices):
    WAITING = "waiting", _("Na fila")
    ASSIGNED = "assigned", _("Em atendimento")
    CLOSED = "closed", _("Encerrado")


class ConversationRouting(models.Model):
    """Where a conversation is in routing: waiting in a team's queue, with one agent, or closed.

    One row per routed conversation; the single `agent` column is the owner, so a conversation
    cannot have two owners. The desk conversation's `status` and `team` are kept equal to
    `state` and `team` in the same transaction (queued/open/closed). Every change locks this
    row first (docs/adr/0060, "Locks").
    """

    conversation = models.OneToOneField(
        "desk.Conversation", on_delete=models.CASCADE, primary_key=True, related_name="routing"
    )
    state = models.CharField(
        _("situação"), max_length=8, choices=RoutingState.choices, default=RoutingState.WAITING
    )
    team = models.ForeignKey(
        "desk.Team", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="owned_conversations",
    )
    # The last agent who owned it: rated by the survey even if it was closed while waiting.
    last_agent = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    # Queue order: the longest-waiting conversation goes first.
    waiting_since = models.DateTimeField(_("na fila desde"), null=True, blank=True)
    first_queued_at = models.DateTimeField(null=True, blank=True)
    first_assigned_at = models.DateTimeField(null=True, blank=True)
    assigned_at = models.DateTimeField(_("atribuído em"), null=True, blank=True)
    closed_at = models.DateTimeField(_("encerrado em"), null=True, blank=True)
    close_reason = models.CharField(max_length=20, blank=True, default="")
    closed_by_id = models.BigIntegerField(null=True, blank=True)
    disposition = models.ForeignKey(
        "routing.Disposition",
        verbose_name=_("tabulação"),
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="+",
    )
    closing_note = models.TextField(_("observação de encerramento"), blank=True, default="")

    class Meta:
        verbose_name = _("roteamento do atendimento")
        verbose_name_plural = _("roteamento dos atendimentos")
        constraints = [
            models.CheckConstraint(
                condition=(
                    Q(state=RoutingState.ASSIGNED, agent__isnull=False)
                    | (~Q(state=RoutingState.ASSIGNED) & Q(agent__isnull=True))
                ),
                name="routing_owner_iff_assigned",
            ),
            models.CheckConstraint(
                condition=~Q(state=RoutingState.WAITING) | Q(waiting_since__isnull=False),
                name="routing_waiting_has_since",
            ),
        ]
        indexes = [
            models.Index(
                fields=["team", "waiting_since", "conversation"],
                name="routing_queue",
                condition=Q(state=RoutingState.WAITING),
            ),
            models.Index(
                fields=["agent"], name="routing_agent_load", condition=Q(state="assigned")
            ),
            models.Index(fields=["state", "team"], name="routing_state_team"),
        ]

    def __str__(self) -> str:
        return f"routing of conversation {self.conversation_id}: {self.state}"


class ConversationParticipant(models.Model):
    """An agent invited into a conversation besides its owner (6.5.58.7)."""

    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="participants"
    )
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="+")
    invited_by_id = models.BigIntegerField(null=True, blank=True)
    joined_at = models.DateTimeField()
    left_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("participante convidado")
        verbose_name_plural = _("participantes convidados")
        constraints = [
            models.UniqueConstraint(
                fields=["conversation", "user"],
                condition=Q(left_at__isnull=True),
                name="participant_once_while_present",
            )
        ]

    def __str__(self) -> str:
        return f"participant {self.user_id} in {self.conversation_id}"


class EventKind(models.TextChoices):
    QUEUED = "queued", _("Entrou na fila")
    ASSIGNED = "assigned", _("Atribuído")
    TRANSFERRED = "transferred", _("Transferido")
    REQUEUED = "requeued", _("Devolvido à fila")
    OFF_HOURS = "off_hours", _("Fora do expediente")
    OVERFLOWED = "overflowed", _("Transbordado")
    INVITED = "invited", _("Atendente convidado")
    LEFT = "left", _("Convidado saiu")
    PAUSED = "paused", _("Atendente em pausa")
    RESUMED = "resumed", _("Atendente retornou da pausa")
    REOPENED = "reopened", _("Reaberto")
    CLOSED = "closed", _("Encerrado")
    TIMED_OUT = "timed_out", _("Encerrado por inatividade")
    SURVEY_ANSWERED = "survey_answered", _("Pesquisa respondida")


class AppendOnlyQuerySet(models.QuerySet["ConversationEvent"]):
    def update(self, **kwargs: Any) -> NoReturn:
        raise TypeError("conversation events are append-only")


class ConversationEvent(models.Model):
    """One change in a conversation's life, never updated.

    Each row carries the state, team and owner *after* the change (and the owner and team
    before it), so waiting and handling intervals are read straight off consecutive rows.
    People are kept as ids and labels, not foreign keys: the row must not change when a
    user or a team does.
    """

    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="routing_events"
    )
    kind = models.CharField(_("evento"), max_length=16, choices=EventKind.choices)
    at = models.DateTimeField(_("quando"))
    state = models.CharField(_("situação depois"), max_length=8, choices=RoutingState.choices)
    team_id = models.BigIntegerField(null=True, blank=True)
    agent_id = models.BigIntegerField(null=True, blank=True)
    from_team_id = models.BigIntegerField(null=True, blank=True)
    from_agent_id = models.BigIntegerField(null=True, blank=True)
    actor_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(_("quem"), max_length=254)
    via = models.CharField(max_length=8)
    reason = models.CharField(_("motivo"), max_length=32, blank=True, default="")
    note = models.TextField(_("observação"), blank=True, default="")
    data = models.JSONField(default=dict, blank=True)

    objects = AppendOnlyQuerySet.as_manager()

    class Meta:
        verbose_name = _("evento do atendimento")
        verbose_name_plural = _("eventos do atendimento")
        ordering = ["at", "id"]
        indexes = [
            models.Index(fields=["conversation", "at", "id"], name="event_timeline"),
            models.Index(fields=["kind", "at"], name="event_kind_at"),
            models.Index(fields=["agent_id", "at"], name="event_agent_at"),
        ]

    def __str__(self) -> str:
        return f"{self.kind} @ {self.at.isoformat()} (conversation {self.conversation_id})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        if self.pk is not None and not self._state.adding:
            raise TypeError("conversation events are append-only")
        super().save(*args, **kwargs)

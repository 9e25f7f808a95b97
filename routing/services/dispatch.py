"""The fair queue: the longest-waiting conversation of a team goes to the least busy available
agent of that team, within the agent's capacity; never to two agents.

How it is race-free (docs/adr/0060-routing-and-lifecycle.md, "Locks"):
1. a transaction-scoped advisory lock per team serializes that team's dispatchers, so the
   queue head and the least busy agent are chosen by one transaction at a time;
2. the queue head is read `FOR UPDATE SKIP LOCKED`: a conversation another writer holds (a
   supervisor moving it, a close) is skipped, not waited for;
3. the chosen agent's `AgentState` row is locked `FOR UPDATE` and re-checked (still available,
   still logged into the team, load below capacity): an agent in two teams is assigned by one
   team's dispatcher at a time and never beyond capacity;
4. the owner is one column of the routing row, changed under that row's lock.

One assignment per transaction: locks are held for a few statements, and a failure loses one
step, not a batch. Dispatch runs after the triggering transaction commits (a new
conversation, an agent available, a conversation closed or transferred), and a beat task
sweeps every team with waiting conversations in case a trigger was lost.

An agent may also take the longest-waiting conversation of their teams themselves
(`queue_take`, "puxar da fila"): the same locks in the same order, the team locks of every
team they are logged into taken in ascending id, so a puller and the dispatchers of those
teams decide one at a time.
"""

from __future__ import annotations

import logging
import math
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from django.db import connection, transaction
from django.db.models import (
    Avg,
    Count,
    DurationField,
    ExpressionWrapper,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    Value,
)
from django.db.models.functions import Coalesce
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.models import User
from desk.models import Conversation
from desk.services.search_path import search_path_pinned
from routing.errors import Conflict, NotAllowed
from routing.locks import lock_team_queue
from routing.models import (
    AgentState,
    AgentStatus,
    ConversationRouting,
    EventKind,
    QueueNotice,
    RoutingState,
    TeamMembership,
)
from routing.services.access import require
from routing.services.events import conversation_sync, event_record
from routing.services.notices import notice_send
from routing.services.teams import team_settings
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger("routing.dispatch")

DISPATCH_ACTOR = Actor.system("distribuição automática")
DISPATCH_BATCH_LIMIT = 500


def agent_name(user: User) -> str:
    """What the citizen is told: the first name (a civil servant's full name is theirs)."""
    return user.get_short_name()


def _load_of(user_ref: OuterRef) -> Subquery:
    return Subquery(
        ConversationRouting.objects.filter(agent_id=user_ref, state=RoutingState.ASSIGNED)
        .order_by()
        .values("agent_id")
        .annotate(total=Count("pk"))
        .values("total")[:1],
        output_field=IntegerField(),
    )


def agent_load(user_id: int) -> int:
    return ConversationRouting.objects.filter(agent_id=user_id, state=RoutingState.ASSIGNED).count()


def available_agents(team_id: int) -> QuerySet[Any]:
    """Agents logged into the team and available (paused and offline ones are not), with
    their current load."""
    return AgentState.objects.filter(
        status=AgentStatus.AVAILABLE,
        user__is_active=True,
        user__team_memberships__team_id=team_id,
        user__team_memberships__is_logged_in=True,
    ).annotate(load=Coalesce(_load_of(OuterRef("user_id")), Value(0)))


def team_has_available_agent(team_id: int) -> bool:
    """6.5.37.2: someone who could take a conversation now or when capacity frees."""
    return available_agents(team_id).exists()


def _agent_still_eligible(state: AgentState, team_id: int) -> bool:
    return (
        state.status == AgentStatus.AVAILABLE
        and TeamMembership.objects.filter(
            team_id=team_id, user_id=state.user_id, is_logged_in=True, user__is_active=True
        ).exists()
        and agent_load(state.user_id) < state.capacity
    )


def _pick_agent(team_id: int) -> AgentState | None:
    """The least busy eligible agent, locked; ties go to whoever was assigned longest ago."""
    candidates = list(
        available_agents(team_id)
        .filter(load__lt=F("capacity"))
        .order_by("load", F("last_assigned_at").asc(nulls_first=True), "user_id")
        .values_list("user_id", flat=True)[:20]
    )
    for user_id in candidates:
        state = AgentState.objects.select_for_update().filter(pk=user_id).first()
        if state is not None and _agent_still_eligible(state, team_id):
            return state
    return None


def assign(
    *,
    routing: ConversationRouting,
    agent_state: AgentState,
    actor: Actor,
    now: datetime,
    kind: str = EventKind.ASSIGNED,
    note: str = "",
    reason: str = "",
    team_id: int | None = None,
) -> ConversationRouting:
    """Gives the conversation to the agent. The caller holds the routing row and the agent's
    row locked and has checked the agent may take it."""
    from_agent_id, from_team_id = routing.agent_id, routing.team_id
    routing.state = RoutingState.ASSIGNED
    routing.agent_id = agent_state.user_id
    routing.last_agent_id = agent_state.user_id
    if team_id is not None:
        routing.team_id = team_id
    routing.assigned_at = now
    routing.first_assigned_at = routing.first_assigned_at or now
    routing.waiting_since = None
    routing.save()
    agent_state.last_assigned_at = now
    agent_state.save(update_fields=["last_assigned_at"])
    conversation_sync(routing, at=now)
    event_record(
        routing=routing,
        kind=kind,
        actor=actor,
        at=now,
        from_team_id=from_team_id,
        from_agent_id=from_agent_id,
        note=note,
        reason=reason,
    )
    settings = team_settings(routing.team_id) if routing.team_id else None
    if settings is not None and settings.announce_agent:
        # 6.5.16: the citizen is told who took the conversation.
        agent = User.objects.get(pk=agent_state.user_id)
        conversation = Conversation.objects.select_related("team").get(pk=routing.conversation_id)
        notice_send(
            conversation,
            settings.announce_message,
            {
                "agente": agent_name(agent),
                "agente_completo": agent.full_name,
                "equipe": conversation.team.name if conversation.team else "",
            },
            purpose="announce_agent",
        )
    return routing


def dispatch_once(team_id: int, *, now: datetime | None = None) -> tuple[int, int] | None:
    """One assignment in the team, in its own transaction: (conversation id, agent id), or
    None when the queue is empty or nobody can take more."""
    from routing.services.codenames import codename_held  # imports this module

    with transaction.atomic(), search_path_pinned():
        lock_team_queue(team_id)
        routing = (
            ConversationRouting.objects.select_for_update(skip_locked=True)
            .filter(team_id=team_id, state=RoutingState.WAITING)
            .exclude(pk__in=codename_held(team_id))  # 6.5.58.5: they wait for their agent
            .order_by("waiting_since", "conversation_id")
            .first()
        )
        if routing is None:
            return None
        agent_state = _pick_agent(team_id)
        if agent_state is None:
            return None
        assign(
            routing=routing,
            agent_state=agent_state,
            actor=DISPATCH_ACTOR,
            now=now or timezone.now(),
        )
        return routing.conversation_id, agent_state.user_id


def queue_take(*, actor: Actor, user: User, now: datetime | None = None) -> ConversationRouting:
    """ "Puxar da fila": the agent takes the longest-waiting conversation of the teams they are
    logged into, within their capacity. Race-free like `dispatch_once` (docs/adr/0060): the
    team locks (ascending ids, so two pullers never wait on each other in a circle), then the
    head of the queue `FOR UPDATE SKIP LOCKED`, then the agent's row, re-checked under its
    lock. Two agents taking at once get two different conversations, and never one the
    dispatcher is handing to someone else.

    `Conflict` when the agent is offline or paused (a pause stops new conversations,
    6.5.58.13), already at capacity, or nobody is waiting."""
    require(actor, "serve")
    if actor.user_id != user.pk:
        raise NotAllowed(_("Cada atendente puxa atendimentos para si."), code="not_self")
    now = now or timezone.now()
    with transaction.atomic():
        team_ids = list(
            TeamMembership.objects.filter(user=user, is_logged_in=True, user__is_active=True)
            .order_by("team_id")
            .values_list("team_id", flat=True)
        )
        if not team_ids:
            raise Conflict(
                _("Entre em uma equipe antes de puxar um atendimento."), code="agent_offline"
            )
        for team_id in team_ids:
            lock_team_queue(team_id)
        from routing.services.codenames import codename_held_for_others

        routing = (
            ConversationRouting.objects.select_for_update(skip_locked=True)
            .filter(team_id__in=team_ids, state=RoutingState.WAITING)
            # A citizen who typed a colleague's codename waits for that colleague (6.5.58.5).
            .exclude(pk__in=codename_held_for_others(team_ids, user.pk))
            .order_by("waiting_since", "conversation_id")
            .first()
        )
        AgentState.objects.get_or_create(user_id=user.pk)
        state = AgentState.objects.select_for_update().get(pk=user.pk)
        if state.status == AgentStatus.PAUSED:
            raise Conflict(
                _("Você está em pausa: volte a ficar disponível para puxar um atendimento."),
                code="agent_paused",
            )
        if state.status != AgentStatus.AVAILABLE:
            raise Conflict(
                _("Entre em uma equipe antes de puxar um atendimento."), code="agent_offline"
            )
        if agent_load(user.pk) >= state.capacity:
            raise Conflict(
                _("Você já está com o máximo de %(capacity)s atendimentos.")
                % {"capacity": state.capacity},
                code="agent_full",
            )
        queued_team_id = routing.team_id if routing is not None else None
        if (
            routing is None
            or queued_team_id is None
            # The agent left that team between the read and the locks.
            or not TeamMembership.objects.filter(
                team_id=queued_team_id, user=user, is_logged_in=True
            ).exists()
        ):
            raise Conflict(_("Ninguém está aguardando nas suas equipes."), code="queue_empty")
        assign(routing=routing, agent_state=state, actor=actor, now=now, reason="taken")
        if actor.via in ("web", "api"):
            conversation = Conversation.objects.get(pk=routing.conversation_id)
            audit_record(
                actor=actor,
                action="conversation.take",
                target=conversation,
                object_repr=conversation.protocol,
                after={"agent": user.pk, "team": routing.team_id},
            )
    return routing


def queue_dispatch(team_id: int, *, now: datetime | None = None) -> list[tuple[int, int]]:
    from routing.services.codenames import codename_dispatch  # imports this module

    """Moves the team's queue as far as its agents' capacity allows; conversations a citizen
    addressed to one agent by codename go to that agent first (6.5.58.5)."""
    assigned: list[tuple[int, int]] = codename_dispatch(team_id, now=now)
    for _step in range(DISPATCH_BATCH_LIMIT):
        result = dispatch_once(team_id, now=now)
        if result is None:
            break
        assigned.append(result)
    return assigned


def after_commit(work: Callable[..., object], *args: object) -> None:
    """Runs `work(*args)` in the current tenant schema once the transaction commits (at once
    outside one). Robust: a failure is logged and left to the beat sweep; it never fails the
    caller, whose work is already committed."""
    schema_name: str = connection.schema_name  # type: ignore[attr-defined]

    def run_after_commit() -> None:
        with schema_context(schema_name):
            work(*args)

    transaction.on_commit(run_after_commit, robust=True)


def _dispatch_teams(team_ids: list[int]) -> None:
    for team_id in team_ids:
        queue_dispatch(team_id)


def dispatch_on_commit(team_ids: Iterable[int | None]) -> None:
    """Moves these teams' queues after the current transaction commits."""
    ids = sorted({team_id for team_id in team_ids if team_id})
    if ids:
        after_commit(_dispatch_teams, ids)


def queue_position(routing: ConversationRouting) -> int:
    """1 for the head of the queue."""
    if (
        routing.state != RoutingState.WAITING
        or routing.waiting_since is None
        or routing.team_id is None
    ):
        return 0
    ahead = ConversationRouting.objects.filter(
        team_id=routing.team_id, state=RoutingState.WAITING
    ).filter(
        Q(waiting_since__lt=routing.waiting_since)
        | Q(waiting_since=routing.waiting_since, conversation_id__lt=routing.conversation_id)
    )
    return ahead.count() + 1


RECENT_FOR_ESTIMATE = 50


def handling_minutes(team_id: int) -> float:
    """Mean minutes from first assignment to close over the team's latest closed
    conversations; the configured figure while there are none."""
    recent = (
        ConversationRouting.objects.filter(
            team_id=team_id,
            state=RoutingState.CLOSED,
            first_assigned_at__isnull=False,
            closed_at__isnull=False,
        )
        .order_by("-closed_at")
        .values_list("pk", flat=True)[:RECENT_FOR_ESTIMATE]
    )
    mean = ConversationRouting.objects.filter(pk__in=list(recent)).aggregate(
        mean=Avg(
            ExpressionWrapper(F("closed_at") - F("first_assigned_at"), output_field=DurationField())
        )
    )["mean"]
    if mean is None:
        return float(team_settings(team_id).average_handling_minutes)
    return max(mean.total_seconds() / 60, 1.0)


def queue_estimate_minutes(team_id: int, position: int) -> int:
    """Position times the mean handling time, shared among the available agents' slots."""
    slots = sum(max(state.capacity, 1) for state in available_agents(team_id).only("capacity"))
    return max(1, math.ceil(position * handling_minutes(team_id) / max(slots, 1)))


def queue_notice_send(conversation_id: int) -> None:
    """Tells a waiting citizen their position (and the estimate), as the team configures."""
    with transaction.atomic(), search_path_pinned():
        routing = (
            ConversationRouting.objects.select_for_update()
            .filter(pk=conversation_id, state=RoutingState.WAITING)
            .first()
        )
        if routing is None or routing.team_id is None:
            return
        settings = team_settings(routing.team_id)
        if settings.queue_notice == QueueNotice.OFF:
            return
        position = queue_position(routing)
        values: dict[str, object] = {"posicao": position}
        template = settings.queue_notice_message
        if settings.queue_notice == QueueNotice.ESTIMATE:
            values["minutos"] = queue_estimate_minutes(routing.team_id, position)
            template = settings.queue_estimate_message
        conversation = Conversation.objects.get(pk=conversation_id)
        notice_send(conversation, template, values, purpose="queue_position")

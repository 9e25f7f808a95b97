"""Agents' presence: logging into teams, going available, pausing with a reason (6.5.58.13),
logging out, capacity. Every write locks the agent's `AgentState` row first (docs/adr/0060)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from routing.errors import Conflict, RoutingError
from routing.models import (
    AgentPause,
    AgentState,
    AgentStatus,
    ConversationRouting,
    EventKind,
    PauseReason,
    RoutingState,
    TeamMembership,
)
from routing.services.access import can, require
from routing.services.dispatch import dispatch_on_commit
from routing.services.events import conversation_sync, event_record
from security.actors import Actor
from security.audit import audit_record

MAX_CAPACITY = 50


def agent_state_lock(user_id: int) -> AgentState:
    """The agent's row, created on first use, locked until commit."""
    AgentState.objects.get_or_create(user_id=user_id)
    return AgentState.objects.select_for_update().get(pk=user_id)


def _require_self_or_supervisor(actor: Actor, user: User) -> None:
    if actor.user_id == user.pk:
        require(actor, "serve")
    else:
        require(actor, "supervise")


def logged_in_team_ids(user_id: int) -> list[int]:
    return list(
        TeamMembership.objects.filter(user_id=user_id, is_logged_in=True)
        .order_by("team_id")
        .values_list("team_id", flat=True)
    )


def _audit_state(
    actor: Actor,
    user: User,
    action: str,
    before: str,
    after: AgentState,
    extra: dict[str, object] | None = None,
) -> None:
    if actor.via in ("web", "api"):
        audit_record(
            actor=actor,
            action=action,
            target=user,
            before={"status": before},
            after={"status": after.status, **(extra or {})},
        )


def _end_pause(state: AgentState, now: datetime) -> AgentPause | None:
    pause = AgentPause.objects.filter(user_id=state.user_id, ended_at__isnull=True).first()
    if pause is not None:
        pause.ended_at = now
        pause.save(update_fields=["ended_at"])
    state.pause = None
    return pause


def _conversation_events(
    user_id: int, kind: str, actor: Actor, now: datetime, data: dict[str, object]
) -> None:
    """Marks the agent's current conversations (they stay with the agent)."""
    for routing in ConversationRouting.objects.filter(
        agent_id=user_id, state=RoutingState.ASSIGNED
    ):
        event_record(
            routing=routing,
            kind=kind,
            actor=actor,
            at=now,
            from_agent_id=user_id,
            from_team_id=routing.team_id,
            data=data,
        )


def agent_login(
    *, actor: Actor, user: User, teams: Iterable[int], now: datetime | None = None
) -> AgentState:
    """Logs the agent into these teams (only teams that allow them, 6.5.37.6) and makes them
    available, unless they are paused: a pause ends only by the agent's choice."""
    _require_self_or_supervisor(actor, user)
    team_ids = sorted({int(team) for team in teams})
    if not team_ids:
        raise RoutingError(
            _("Escolha pelo menos uma equipe."), code="teams_required", field="teams"
        )
    now = now or timezone.now()
    with transaction.atomic():
        state = agent_state_lock(user.pk)
        allowed = set(
            TeamMembership.objects.filter(user=user, team_id__in=team_ids).values_list(
                "team_id", flat=True
            )
        )
        refused = [team for team in team_ids if team not in allowed]
        if refused:
            raise RoutingError(
                _("Você não está habilitado para a equipe escolhida."),
                code="not_a_member",
                field="teams",
            )
        TeamMembership.objects.filter(user=user, team_id__in=team_ids, is_logged_in=False).update(
            is_logged_in=True, logged_in_at=now
        )
        before = state.status
        if state.status == AgentStatus.OFFLINE:
            state.status = AgentStatus.AVAILABLE
            state.status_changed_at = now
            state.save(update_fields=["status", "status_changed_at"])
        _audit_state(actor, user, "agent.login", before, state, {"teams": team_ids})
        if state.status == AgentStatus.AVAILABLE:
            dispatch_on_commit(team_ids)
    return state


def agent_team_logout(
    *, actor: Actor, user: User, teams: Iterable[int], now: datetime | None = None
) -> AgentState:
    """Leaves some teams; logged into none, the agent is offline (see `agent_logout`)."""
    _require_self_or_supervisor(actor, user)
    team_ids = sorted({int(team) for team in teams})
    now = now or timezone.now()
    with transaction.atomic():
        state = agent_state_lock(user.pk)
        TeamMembership.objects.filter(user=user, team_id__in=team_ids).update(
            is_logged_in=False, logged_in_at=None
        )
        if not logged_in_team_ids(user.pk):
            return _logout_locked(actor, user, state, now)
        _audit_state(actor, user, "agent.team_logout", state.status, state, {"teams": team_ids})
    return state


def agent_logout(*, actor: Actor, user: User, now: datetime | None = None) -> AgentState:
    """Logs out of every team. The agent's conversations go back to their queues, ahead of
    newer ones (they keep the time they first queued), so nothing is stranded with someone
    who left."""
    _require_self_or_supervisor(actor, user)
    now = now or timezone.now()
    with transaction.atomic():
        state = agent_state_lock(user.pk)
        return _logout_locked(actor, user, state, now)


def _logout_locked(actor: Actor, user: User, state: AgentState, now: datetime) -> AgentState:
    before = state.status
    TeamMembership.objects.filter(user=user, is_logged_in=True).update(
        is_logged_in=False, logged_in_at=None
    )
    _end_pause(state, now)
    state.status = AgentStatus.OFFLINE
    state.status_changed_at = now
    state.save(update_fields=["status", "status_changed_at", "pause"])
    requeued_teams: list[int | None] = []
    # Lock order: the agent row is held; the routing rows are locked one by one below, which
    # the dispatcher (routing row, then agent row) could deadlock with if it were choosing
    # this agent, but it re-checks the agent under the agent lock we hold: it waits for us.
    owned = list(
        ConversationRouting.objects.select_for_update()
        .filter(agent_id=user.pk, state=RoutingState.ASSIGNED)
        .order_by("conversation_id")
    )
    for routing in owned:
        routing.state = RoutingState.WAITING
        routing.agent_id = None
        routing.waiting_since = routing.first_queued_at or now
        routing.save()
        conversation_sync(routing, at=now)
        event_record(
            routing=routing,
            kind=EventKind.REQUEUED,
            actor=actor,
            at=now,
            from_agent_id=user.pk,
            from_team_id=routing.team_id,
            reason="agent_logout",
        )
        requeued_teams.append(routing.team_id)
    _audit_state(actor, user, "agent.logout", before, state, {"requeued": len(owned)})
    dispatch_on_commit(requeued_teams)
    return state


def agent_pause(
    *, actor: Actor, user: User, reason: PauseReason, now: datetime | None = None
) -> AgentState:
    """6.5.58.13: no new conversations; the current ones stay with the agent, and a citizen
    who writes meanwhile gets the reason's message (6.5.58.14)."""
    _require_self_or_supervisor(actor, user)
    if not reason.is_active:
        raise RoutingError(
            _("Este motivo de pausa está desativado."), code="reason_inactive", field="reason"
        )
    now = now or timezone.now()
    with transaction.atomic():
        state = agent_state_lock(user.pk)
        if state.status == AgentStatus.OFFLINE:
            raise Conflict(_("Entre em uma equipe antes de pausar."), code="agent_offline")
        if state.status == AgentStatus.PAUSED:
            raise Conflict(_("O atendente já está em pausa."), code="already_paused")
        pause = AgentPause.objects.create(user=user, reason=reason, started_at=now)
        before = state.status
        state.status, state.pause, state.status_changed_at = AgentStatus.PAUSED, pause, now
        state.save(update_fields=["status", "pause", "status_changed_at"])
        _conversation_events(
            user.pk, EventKind.PAUSED, actor, now, {"reason": reason.name, "pause_id": pause.pk}
        )
        _audit_state(actor, user, "agent.pause", before, state, {"reason": reason.name})
    return state


def agent_available(*, actor: Actor, user: User, now: datetime | None = None) -> AgentState:
    """Back from a pause (or available again): the queue moves towards the agent."""
    _require_self_or_supervisor(actor, user)
    now = now or timezone.now()
    with transaction.atomic():
        state = agent_state_lock(user.pk)
        if state.status == AgentStatus.OFFLINE:
            raise Conflict(
                _("Entre em uma equipe antes de ficar disponível."), code="agent_offline"
            )
        if state.status == AgentStatus.AVAILABLE:
            return state
        pause = _end_pause(state, now)
        before = state.status
        state.status, state.status_changed_at = AgentStatus.AVAILABLE, now
        state.save(update_fields=["status", "pause", "status_changed_at"])
        _conversation_events(
            user.pk, EventKind.RESUMED, actor, now, {"pause_id": pause.pk if pause else None}
        )
        _audit_state(actor, user, "agent.available", before, state)
        dispatch_on_commit(logged_in_team_ids(user.pk))
    return state


def agent_capacity_set(*, actor: Actor, user: User, capacity: int) -> AgentState:
    """How many conversations the agent holds at once."""
    if not (can(actor, "manage_settings") or can(actor, "supervise")):
        require(actor, "manage_settings")
    if not 1 <= int(capacity) <= MAX_CAPACITY:
        raise RoutingError(
            _("A capacidade vai de 1 a %(limit)s atendimentos simultâneos.")
            % {"limit": MAX_CAPACITY},
            code="capacity_range",
            field="capacity",
        )
    with transaction.atomic():
        state = agent_state_lock(user.pk)
        before = state.capacity
        if before == int(capacity):
            return state
        state.capacity = int(capacity)
        state.save(update_fields=["capacity"])
        audit_record(
            actor=actor,
            action="agent.capacity",
            target=user,
            before={"capacity": before},
            after={"capacity": state.capacity},
        )
        if state.capacity > before and state.status == AgentStatus.AVAILABLE:
            dispatch_on_commit(logged_in_team_ids(user.pk))
    return state


def agent_freed(agent: User | int) -> None:
    """The agent has room again (a conversation of theirs closed or left them): move the
    queues of the teams they are logged into, after commit."""
    user_id = agent if isinstance(agent, int) else agent.pk
    dispatch_on_commit(logged_in_team_ids(user_id))


def agent_member_removed(user_id: int, now: datetime) -> None:
    """Called with the agent's row locked after a membership was removed: logged into no
    team any more, the agent is offline (their conversations stay with them)."""
    if logged_in_team_ids(user_id):
        return
    state = AgentState.objects.filter(pk=user_id).first()
    if state is None or state.status == AgentStatus.OFFLINE:
        return
    _end_pause(state, now)
    state.status, state.status_changed_at = AgentStatus.OFFLINE, now
    state.save(update_fields=["status", "pause", "status_changed_at"])

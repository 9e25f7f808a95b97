"""What people do to a conversation after it is routed: a supervisor's assignment, transfer
to an agent or a team with a note (6.5.58.8), invitations (6.5.58.7), closing with a
disposition (6.5.29, 6.5.58.16) and the closing message (6.5.37.7) and survey (6.5.32),
reopening, and the inactivity timeout (6.5.37.5).

Each service locks the conversation's routing row first, then agents' rows (the order of
docs/adr/0060), and records one `ConversationEvent` per state change.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import OuterRef, Subquery
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from desk.events import Audience, publish_on_commit
from desk.models import Conversation, Message, Origin, Team
from desk.models.conversations import OPEN_STATUSES
from routing.errors import Conflict, NotAllowed, RoutingError
from routing.models import (
    AgentState,
    AgentStatus,
    ConversationParticipant,
    ConversationRouting,
    Disposition,
    EventKind,
    RoutingState,
    SurveyRequest,
    SurveyStatus,
    TeamMembership,
    TeamSettings,
)
from routing.services.access import can, require, require_handler
from routing.services.agents import agent_freed, agent_state_lock
from routing.services.dispatch import (
    after_commit,
    agent_load,
    agent_name,
    assign,
    dispatch_on_commit,
)
from routing.services.entry import after_route
from routing.services.events import conversation_sync, event_record
from routing.services.notices import notice_send
from routing.services.surveys import survey_start
from routing.services.teams import team_serves_channel, team_settings
from security.actors import Actor
from security.audit import audit_record

MAX_NOTE_LENGTH = 2000
TIMEOUT_ACTOR = Actor.system("inatividade")


def _audit(actor: Actor, action: str, conversation: Conversation, after: dict[str, object]) -> None:
    if actor.via in ("web", "api"):
        audit_record(
            actor=actor,
            action=action,
            target=conversation,
            object_repr=conversation.protocol,
            after=after,
        )


def _note(note: str | None) -> str:
    note = (note or "").strip()
    if len(note) > MAX_NOTE_LENGTH:
        raise RoutingError(
            _("A observação tem no máximo %(limit)s caracteres.") % {"limit": MAX_NOTE_LENGTH},
            code="note_too_long",
            field="note",
        )
    return note


def routing_lock(conversation: Conversation) -> ConversationRouting:
    """The conversation's routing row, locked. A conversation that never went through
    routing (the flow runtime held it) gets its row now, waiting in its team."""
    routing = ConversationRouting.objects.select_for_update().filter(pk=conversation.pk).first()
    if routing is not None:
        return routing
    current = Conversation.objects.get(pk=conversation.pk)
    if current.status not in OPEN_STATUSES:
        raise Conflict(_("Este atendimento está encerrado."), code="conversation_closed")
    now = timezone.now()
    try:
        with transaction.atomic():
            ConversationRouting.objects.create(
                conversation=current,
                state=RoutingState.WAITING,
                team_id=current.team_id,
                waiting_since=current.opened_at,
                first_queued_at=now,
            )
    except IntegrityError:
        pass
    return ConversationRouting.objects.select_for_update().get(pk=conversation.pk)


def _open_routing(conversation: Conversation) -> ConversationRouting:
    routing = routing_lock(conversation)
    if routing.state == RoutingState.CLOSED:
        raise Conflict(_("Este atendimento está encerrado."), code="conversation_closed")
    return routing


def _target_agent(
    routing: ConversationRouting, conversation: Conversation, agent: User
) -> tuple[AgentState, int]:
    """Locks and checks an agent who is to own the conversation; returns their state and the
    team the conversation will belong to (the current one when they are logged into it,
    else one of theirs that serves the channel)."""
    if not agent.is_active or not agent.has_perm("accounts.serve"):
        raise RoutingError(_("Este usuário não atende."), code="agent_cannot_serve", field="agent")
    state = agent_state_lock(agent.pk)
    if state.status == AgentStatus.PAUSED:
        raise Conflict(
            _("%(name)s está em pausa.") % {"name": agent.full_name},
            code="agent_paused",
            field="agent",
        )
    if state.status != AgentStatus.AVAILABLE:
        raise Conflict(
            _("%(name)s não está conectado.") % {"name": agent.full_name},
            code="agent_offline",
            field="agent",
        )
    if agent_load(agent.pk) >= state.capacity:
        raise Conflict(
            _("%(name)s já está com o máximo de %(capacity)s atendimentos.")
            % {"name": agent.full_name, "capacity": state.capacity},
            code="agent_full",
            field="agent",
        )
    teams = list(
        TeamMembership.objects.filter(user=agent, is_logged_in=True)
        .order_by("team_id")
        .values_list("team_id", flat=True)
    )
    if routing.team_id in teams:
        return state, int(routing.team_id)
    for team_id in teams:
        if team_serves_channel(team_id, conversation.channel_id):
            return state, team_id
    raise RoutingError(
        _("%(name)s não está em nenhuma equipe que atende este canal.") % {"name": agent.full_name},
        code="agent_wrong_channel",
        field="agent",
    )


def _end_guests(conversation_id: int, now: datetime, *, only: int | None = None) -> None:
    guests = ConversationParticipant.objects.filter(
        conversation_id=conversation_id, left_at__isnull=True
    )
    if only is not None:
        guests = guests.filter(user_id=only)
    guests.update(left_at=now)


def conversation_assign(
    *, actor: Actor, conversation: Conversation, agent: User, now: datetime | None = None
) -> ConversationRouting:
    """A supervisor hands a waiting conversation to an available agent, ahead of the queue."""
    require(actor, "supervise")
    now = now or timezone.now()
    with transaction.atomic():
        routing = _open_routing(conversation)
        if routing.state != RoutingState.WAITING:
            raise Conflict(_("Este atendimento não está na fila."), code="not_waiting")
        conversation = Conversation.objects.get(pk=conversation.pk)
        state, team_id = _target_agent(routing, conversation, agent)
        assign(
            routing=routing,
            agent_state=state,
            actor=actor,
            now=now,
            reason="supervisor",
            team_id=team_id,
        )
        _audit(actor, "conversation.assign", conversation, {"agent": agent.pk})
    return routing


def conversation_transfer(
    *,
    actor: Actor,
    conversation: Conversation,
    to_agent: User | None = None,
    to_team_id: int | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ConversationRouting:
    """To another agent (who must be available and have room) or to a team's queue, with a
    note the receiver reads. The owner or a supervisor may transfer."""
    if (to_agent is None) == (to_team_id is None):
        raise RoutingError(
            _("Escolha um atendente ou uma equipe."), code="target_required", field="agent"
        )
    note = _note(note)
    now = now or timezone.now()
    with transaction.atomic():
        routing = _open_routing(conversation)
        require_handler(actor, routing)
        conversation = Conversation.objects.get(pk=conversation.pk)
        from_agent, from_team = routing.agent_id, routing.team_id
        if to_agent is not None:
            if to_agent.pk == routing.agent_id:
                raise Conflict(
                    _("O atendimento já está com este atendente."), code="same_agent", field="agent"
                )
            state, team_id = _target_agent(routing, conversation, to_agent)
            _end_guests(conversation.pk, now, only=to_agent.pk)
            assign(
                routing=routing,
                agent_state=state,
                actor=actor,
                now=now,
                kind=EventKind.TRANSFERRED,
                note=note,
                team_id=team_id,
            )
            _audit(
                actor,
                "conversation.transfer",
                conversation,
                {"agent": to_agent.pk, "team": team_id, "note": note},
            )
        else:
            team = Team.objects.filter(pk=int(to_team_id or 0)).first()
            if team is None:
                raise RoutingError(_("Equipe não encontrada."), code="team_not_found", field="team")
            if not team_serves_channel(team.pk, conversation.channel_id):
                raise RoutingError(
                    _("Esta equipe não atende o canal deste atendimento."),
                    code="team_wrong_channel",
                    field="team",
                )
            if routing.state == RoutingState.WAITING and routing.team_id == team.pk:
                raise Conflict(
                    _("O atendimento já está na fila desta equipe."), code="same_team", field="team"
                )
            routing.state, routing.agent_id, routing.team_id = RoutingState.WAITING, None, team.pk
            routing.waiting_since = now
            routing.save()
            _end_guests(conversation.pk, now)
            conversation_sync(routing, at=now)
            event_record(
                routing=routing,
                kind=EventKind.TRANSFERRED,
                actor=actor,
                at=now,
                from_team_id=from_team,
                from_agent_id=from_agent,
                note=note,
            )
            _audit(actor, "conversation.transfer", conversation, {"team": team.pk, "note": note})
            after_commit(after_route, conversation.pk, team.pk, True)
        if from_agent:
            agent_freed(from_agent)
    return routing


def conversation_invite(
    *, actor: Actor, conversation: Conversation, agent: User, now: datetime | None = None
) -> ConversationParticipant:
    """6.5.58.7: another agent joins the conversation beside its owner (capacity unaffected:
    the owner stays responsible)."""
    now = now or timezone.now()
    with transaction.atomic():
        routing = _open_routing(conversation)
        require_handler(actor, routing)
        if routing.state != RoutingState.ASSIGNED:
            raise Conflict(_("Assuma o atendimento antes de convidar alguém."), code="not_assigned")
        if agent.pk == routing.agent_id:
            raise Conflict(
                _("Este atendente já é o responsável."), code="same_agent", field="agent"
            )
        if not agent.is_active or not agent.has_perm("accounts.serve"):
            raise RoutingError(
                _("Este usuário não atende."), code="agent_cannot_serve", field="agent"
            )
        status = AgentState.objects.filter(pk=agent.pk).values_list("status", flat=True).first()
        if status in (None, AgentStatus.OFFLINE):
            raise Conflict(
                _("%(name)s não está conectado.") % {"name": agent.full_name},
                code="agent_offline",
                field="agent",
            )
        try:
            with transaction.atomic():
                participant = ConversationParticipant.objects.create(
                    conversation_id=conversation.pk,
                    user=agent,
                    invited_by_id=actor.user_id,
                    joined_at=now,
                )
        except IntegrityError as error:
            raise Conflict(
                _("Este atendente já participa do atendimento."),
                code="already_participant",
                field="agent",
            ) from error
        event_record(
            routing=routing,
            kind=EventKind.INVITED,
            actor=actor,
            at=now,
            from_agent_id=routing.agent_id,
            from_team_id=routing.team_id,
            data={"invited_id": agent.pk, "invited": agent.full_name},
        )
        publish_on_commit(
            "conversation.invited",
            {"conversation_id": conversation.pk, "invited_by": actor.label},
            Audience(users=[agent.pk], roles=()),
        )
        _audit(actor, "conversation.invite", conversation, {"agent": agent.pk})
    return participant


def conversation_leave(
    *, actor: Actor, conversation: Conversation, now: datetime | None = None
) -> None:
    """An invited agent leaves; the owner stays."""
    now = now or timezone.now()
    if actor.user_id is None:
        raise Conflict(_("Você não é convidado deste atendimento."), code="not_participant")
    with transaction.atomic():
        routing = _open_routing(conversation)
        left = ConversationParticipant.objects.filter(
            conversation_id=conversation.pk, user_id=actor.user_id, left_at__isnull=True
        ).update(left_at=now)
        if not left:
            raise Conflict(_("Você não é convidado deste atendimento."), code="not_participant")
        event_record(
            routing=routing,
            kind=EventKind.LEFT,
            actor=actor,
            at=now,
            from_agent_id=routing.agent_id,
            from_team_id=routing.team_id,
            data={"left_id": actor.user_id},
        )
        _audit(actor, "conversation.leave", Conversation.objects.get(pk=conversation.pk), {})


def _disposition_check(
    settings: TeamSettings, team_id: int | None, disposition: Disposition | None
) -> None:
    if disposition is None:
        if settings.disposition_required:
            raise RoutingError(
                _("Escolha a tabulação do atendimento."),
                code="disposition_required",
                field="disposition",
            )
        return
    if not disposition.is_active:
        raise RoutingError(
            _("Esta tabulação está desativada."), code="disposition_inactive", field="disposition"
        )
    teams = list(disposition.teams.values_list("pk", flat=True))
    if teams and team_id not in teams:
        raise RoutingError(
            _("Esta tabulação não é usada nesta equipe."),
            code="disposition_wrong_team",
            field="disposition",
        )


def _close(
    *,
    routing: ConversationRouting,
    conversation: Conversation,
    actor: Actor,
    now: datetime,
    kind: str,
    reason: str,
    message_template: str,
    disposition: Disposition | None = None,
    note: str = "",
    survey: bool,
) -> ConversationRouting:
    """Messages first (desk sends nothing on a closed conversation), then the state."""
    settings = team_settings(routing.team_id) if routing.team_id else TeamSettings()
    owner = routing.agent_id
    rated = owner or routing.last_agent_id
    rated_user = User.objects.filter(pk=rated).first() if rated else None
    values = {"agente": agent_name(rated_user) if rated_user else ""}
    notice_send(conversation, message_template, values, purpose=reason)
    if survey and settings.survey_enabled and rated_user is not None:
        survey_start(
            conversation=conversation,
            agent_id=rated_user.pk,
            agent_label=values["agente"],
            team_id=routing.team_id,
            settings=settings,
            now=now,
        )
    _end_guests(conversation.pk, now)
    routing.state, routing.agent_id, routing.waiting_since = RoutingState.CLOSED, None, None
    routing.closed_at, routing.close_reason = now, reason
    routing.closed_by_id = actor.user_id
    routing.disposition, routing.closing_note = disposition, note
    routing.save()
    conversation_sync(routing, at=now)
    event_record(
        routing=routing,
        kind=kind,
        actor=actor,
        at=now,
        from_agent_id=owner,
        from_team_id=routing.team_id,
        reason=reason,
        note=note,
        data={
            "disposition_id": disposition.pk if disposition else None,
            "disposition": disposition.name if disposition else "",
        },
    )
    if owner:
        agent_freed(owner)
    return routing


def conversation_close(
    *,
    actor: Actor,
    conversation: Conversation,
    disposition: Disposition | None = None,
    note: str = "",
    now: datetime | None = None,
) -> ConversationRouting:
    """Closes with a disposition (required when the team says so), sends the closing message
    and, when the team asks for it, the survey rating the agent who served last."""
    note = _note(note)
    now = now or timezone.now()
    with transaction.atomic():
        routing = _open_routing(conversation)
        require_handler(actor, routing)
        conversation = Conversation.objects.get(pk=conversation.pk)
        settings = team_settings(routing.team_id) if routing.team_id else TeamSettings()
        _disposition_check(settings, routing.team_id, disposition)
        _close(
            routing=routing,
            conversation=conversation,
            actor=actor,
            now=now,
            kind=EventKind.CLOSED,
            reason="agent" if actor.user_id else "system",
            message_template=settings.closing_message,
            disposition=disposition,
            note=note,
            survey=True,
        )
        _audit(
            actor,
            "conversation.close",
            conversation,
            {"disposition": disposition.name if disposition else "", "note": note},
        )
    return routing


def conversation_reopen(
    *, actor: Actor, conversation: Conversation, now: datetime | None = None
) -> ConversationRouting:
    """Back to its team's queue: a supervisor, or the agent who served it last."""
    now = now or timezone.now()
    with transaction.atomic():
        routing = routing_lock(conversation)
        if routing.state != RoutingState.CLOSED:
            raise Conflict(_("Este atendimento não está encerrado."), code="not_closed")
        if not (
            can(actor, "supervise")
            or (actor.user_id and actor.user_id == routing.last_agent_id and can(actor, "serve"))
        ):
            raise NotAllowed(
                _("Somente quem atendeu por último ou um supervisor pode reabrir."),
                code="not_owner",
            )
        conversation = Conversation.objects.get(pk=conversation.pk)
        if Conversation.objects.filter(
            identity_id=conversation.identity_id, status__in=OPEN_STATUSES
        ).exists():
            raise Conflict(
                _("O cidadão já tem outro atendimento aberto."), code="other_open_conversation"
            )
        routing.state, routing.waiting_since = RoutingState.WAITING, now
        routing.closed_at, routing.close_reason, routing.closed_by_id = None, "", None
        routing.disposition, routing.closing_note = None, ""
        routing.save()
        SurveyRequest.objects.filter(
            conversation_id=conversation.pk, status=SurveyStatus.PENDING
        ).update(status=SurveyStatus.CANCELLED)
        try:
            with transaction.atomic():
                conversation_sync(routing, at=now)
        except IntegrityError as error:
            # A new conversation of the citizen opened between the check and now (desk keeps
            # one open conversation per identity).
            raise Conflict(
                _("O cidadão já tem outro atendimento aberto."), code="other_open_conversation"
            ) from error
        event_record(
            routing=routing,
            kind=EventKind.REOPENED,
            actor=actor,
            at=now,
            from_team_id=routing.team_id,
        )
        _audit(actor, "conversation.reopen", conversation, {})
        dispatch_on_commit([routing.team_id])
    return routing


HUMAN_ORIGINS = (Origin.CONTACT, Origin.AGENT, Origin.ADMIN)


def _last_human_message() -> Subquery:
    return Subquery(
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"), origin__in=HUMAN_ORIGINS
        )
        .order_by("-created_at", "-id")
        .values("created_at")[:1]
    )


def _last_human_origin() -> Subquery:
    return Subquery(
        Message.objects.filter(
            conversation_id=OuterRef("conversation_id"), origin__in=HUMAN_ORIGINS
        )
        .order_by("-created_at", "-id")
        .values("origin")[:1]
    )


def timeout_due(routing: ConversationRouting, minutes: int, now: datetime) -> bool:
    """6.5.37.5: the citizen is inactive when the last word was the agent's and it is at
    least `minutes` old. When the citizen spoke last the agent owes the answer: no timeout."""
    last = (
        Message.objects.filter(conversation_id=routing.conversation_id, origin__in=HUMAN_ORIGINS)
        .order_by("-created_at", "-id")
        .values_list("created_at", "origin")
        .first()
    )
    if last is None or last[1] == Origin.CONTACT:
        return False
    return last[0] <= now - timedelta(minutes=minutes)


def conversation_timeout(conversation_id: int, *, now: datetime | None = None) -> bool:
    """Closes one conversation for inactivity if it is still due; True when closed."""
    now = now or timezone.now()
    with transaction.atomic():
        routing = (
            ConversationRouting.objects.select_for_update(skip_locked=True)
            .filter(pk=conversation_id, state=RoutingState.ASSIGNED)
            .first()
        )
        if routing is None or routing.team_id is None:
            return False
        settings = team_settings(routing.team_id)
        minutes = settings.inactivity_timeout_minutes
        if not minutes or not timeout_due(routing, minutes, now):
            return False
        conversation = Conversation.objects.get(pk=conversation_id)
        _close(
            routing=routing,
            conversation=conversation,
            actor=TIMEOUT_ACTOR,
            now=now,
            kind=EventKind.TIMED_OUT,
            reason="inactivity",
            message_template=settings.inactivity_message,
            survey=False,
        )
        return True


def inactivity_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Beat, per tenant: closes every conversation whose citizen went quiet past the team's
    timeout. The state lives in the database, so a restarted worker picks up where the last
    one stopped."""
    now = now or timezone.now()
    closed = 0
    timeouts = {
        team_id: int(minutes or 0)
        for team_id, minutes in TeamSettings.objects.filter(
            inactivity_timeout_minutes__isnull=False
        ).values_list("team_id", "inactivity_timeout_minutes")
    }
    for team_id, minutes in timeouts.items():
        candidates = (
            ConversationRouting.objects.filter(team_id=team_id, state=RoutingState.ASSIGNED)
            .annotate(last_human=_last_human_message(), last_origin=_last_human_origin())
            .filter(last_human__lte=now - timedelta(minutes=minutes))
            .exclude(last_origin=Origin.CONTACT)
            .values_list("conversation_id", flat=True)[:limit]
        )
        for conversation_id in list(candidates):
            closed += int(conversation_timeout(conversation_id, now=now))
    return closed

"""Routing API (6.5.63): teams and members, agents' state, the queue, transfer, invitation,
close with a disposition, reopening, an agent's message, and survey results. The same
services as the screens, so the same rules; every write is audited by its service.

Errors answer `{"detail": "...", "field": "...", "code": "..."}`: 400 for bad input, 403
when the person may not do it, 409 when the conversation or agent is not in a state that
allows it; a refused message (blocked words, 6.5.55) adds `words`.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from functools import wraps
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils import timezone
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError

from accounts.models import User
from core.api import require_capability
from core.permissions import has_capability
from desk.errors import MessageRefused
from desk.models import Conversation, Team
from routing import selectors
from routing.errors import BlockedWordsRefused, RoutingError
from routing.models import (
    ConversationParticipant,
    ConversationRouting,
    Disposition,
    PauseReason,
    RoutingState,
    TeamMembership,
)
from routing.services import agents as agent_services
from routing.services import lifecycle, replies
from routing.services import teams as team_services
from routing.services.dispatch import agent_load, queue_take
from security.actors import Actor

router = Router(tags=["roteamento e atendimentos"])


class RoutingErrorOut(Schema):
    detail: str
    field: str | None = None
    code: str = ""
    words: list[str] = []


ERRORS: dict[int, Any] = {
    400: RoutingErrorOut,
    403: RoutingErrorOut,
    404: RoutingErrorOut,
    409: RoutingErrorOut,
}


def domain_errors(view: Callable[..., Any]) -> Callable[..., Any]:
    """Maps the services' errors to responses, in one place."""

    @wraps(view)
    def wrapper(*args: Any, **kwargs: Any) -> Any:
        try:
            return view(*args, **kwargs)
        except RoutingError as error:
            return Status(
                error.status, {"detail": error.message, "field": error.field, "code": error.code}
            )
        except MessageRefused as error:
            words = error.words if isinstance(error, BlockedWordsRefused) else []
            return Status(
                400,
                {"detail": error.message, "field": error.field, "code": error.code, "words": words},
            )

    return wrapper


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


# --- Teams and members ----------------------------------------------------------------------


class TeamOut(Schema):
    id: int
    name: str
    description: str
    channels: list[int]
    business_hours_id: int | None
    off_hours_action: str
    off_hours_team_id: int | None
    overflow_action: str
    overflow_team_id: int | None
    inactivity_timeout_minutes: int | None
    announce_agent: bool
    agent_name_on_messages: bool
    queue_notice: str
    disposition_required: bool
    survey_enabled: bool
    survey_expiry_minutes: int


class TeamSettingsIn(Schema):
    description: str | None = None
    channels: list[int] | None = None
    business_hours_id: int | None = None
    off_hours_action: str | None = None
    off_hours_team_id: int | None = None
    off_hours_message: str | None = None
    overflow_action: str | None = None
    overflow_team_id: int | None = None
    overflow_message: str | None = None
    inactivity_timeout_minutes: int | None = None
    inactivity_message: str | None = None
    closing_message: str | None = None
    announce_agent: bool | None = None
    announce_message: str | None = None
    agent_name_on_messages: bool | None = None
    queue_notice: str | None = None
    queue_notice_message: str | None = None
    queue_estimate_message: str | None = None
    average_handling_minutes: int | None = None
    disposition_required: bool | None = None
    survey_enabled: bool | None = None
    survey_message: str | None = None
    survey_expiry_minutes: int | None = None


class TeamCreateIn(TeamSettingsIn):
    name: str


class TeamPatchIn(TeamSettingsIn):
    name: str | None = None


def _team_out(team: Team) -> dict[str, Any]:
    settings = team_services.team_settings(team.pk)
    return {
        "id": team.pk,
        "name": team.name,
        "description": settings.description,
        "channels": sorted(settings.channels.values_list("pk", flat=True)),
        "business_hours_id": settings.business_hours_id,
        "off_hours_action": settings.off_hours_action,
        "off_hours_team_id": settings.off_hours_team_id,
        "overflow_action": settings.overflow_action,
        "overflow_team_id": settings.overflow_team_id,
        "inactivity_timeout_minutes": settings.inactivity_timeout_minutes,
        "announce_agent": settings.announce_agent,
        "agent_name_on_messages": settings.agent_name_on_messages,
        "queue_notice": settings.queue_notice,
        "disposition_required": settings.disposition_required,
        "survey_enabled": settings.survey_enabled,
        "survey_expiry_minutes": settings.survey_expiry_minutes,
    }


_FOREIGN = {
    "business_hours_id": "business_hours",
    "off_hours_team_id": "off_hours_team",
    "overflow_team_id": "overflow_team",
}


def _settings_changes(payload: TeamSettingsIn) -> dict[str, Any]:
    """Only the fields sent; `*_id` fields become the objects the service expects."""
    from routing.models import BusinessHoursGroup

    sent = payload.dict(exclude_unset=True)
    sent.pop("name", None)
    changes: dict[str, Any] = {}
    for key, value in sent.items():
        if key in _FOREIGN:
            model = BusinessHoursGroup if key == "business_hours_id" else Team
            target = None if value is None else model.objects.filter(pk=value).first()
            if value is not None and target is None:
                raise RoutingError(_("Registro não encontrado."), code="not_found", field=key)
            changes[_FOREIGN[key]] = target
        else:
            changes[key] = value
    return changes


@router.get("/teams", response=list[TeamOut], summary="Listar equipes")
def team_list(request: HttpRequest) -> list[dict[str, Any]]:
    require_capability(request, "serve")
    return [_team_out(team) for team in selectors.team_list()]


@router.post("/teams", response={201: TeamOut, **ERRORS}, summary="Criar equipe")
@domain_errors
def team_create(request: HttpRequest, payload: TeamCreateIn) -> Any:
    require_capability(request, "manage_settings")
    team = team_services.team_create(
        actor=_actor(request), name=payload.name, changes=_settings_changes(payload)
    )
    return Status(201, _team_out(team))


@router.get("/teams/{team_id}", response={200: TeamOut, **ERRORS}, summary="Ler equipe")
def team_get(request: HttpRequest, team_id: int) -> dict[str, Any]:
    require_capability(request, "serve")
    return _team_out(get_object_or_404(Team, pk=team_id))


@router.patch(
    "/teams/{team_id}",
    response={200: TeamOut, **ERRORS},
    summary="Alterar equipe e suas regras de roteamento",
)
@domain_errors
def team_update(request: HttpRequest, team_id: int, payload: TeamPatchIn) -> Any:
    require_capability(request, "manage_settings")
    team = get_object_or_404(Team, pk=team_id)
    actor = _actor(request)
    if payload.name is not None:
        team_services.team_rename(actor=actor, team=team, name=payload.name)
    changes = _settings_changes(payload)
    if changes:
        team_services.team_settings_update(actor=actor, team=team, changes=changes)
    return _team_out(team)


class MemberOut(Schema):
    user_id: int
    name: str
    email: str
    is_logged_in: bool
    status: str
    capacity: int
    load: int


class MembersIn(Schema):
    user_ids: list[int]


def _member_out(membership: TeamMembership) -> dict[str, Any]:
    state = selectors.agent_state_get(membership.user)
    return {
        "user_id": membership.user_id,
        "name": membership.user.full_name,
        "email": membership.user.email,
        "is_logged_in": membership.is_logged_in,
        "status": state.status,
        "capacity": state.capacity,
        "load": agent_load(membership.user_id),
    }


@router.get(
    "/teams/{team_id}/members",
    response={200: list[MemberOut], **ERRORS},
    summary="Membros da equipe (quem pode entrar nela, 6.5.37.6)",
)
def team_members(request: HttpRequest, team_id: int) -> list[dict[str, Any]]:
    require_capability(request, "serve")
    team = get_object_or_404(Team, pk=team_id)
    return [_member_out(membership) for membership in selectors.team_member_list(team)]


@router.put(
    "/teams/{team_id}/members",
    response={200: list[MemberOut], **ERRORS},
    summary="Definir os membros da equipe",
)
@domain_errors
def team_members_set(request: HttpRequest, team_id: int, payload: MembersIn) -> Any:
    require_capability(request, "manage_settings")
    team = get_object_or_404(Team, pk=team_id)
    users = list(User.objects.filter(pk__in=payload.user_ids))
    if len(users) != len(set(payload.user_ids)):
        raise RoutingError(_("Usuário não encontrado."), code="not_found", field="user_ids")
    team_services.team_members_set(actor=_actor(request), team=team, users=users)
    return [_member_out(membership) for membership in selectors.team_member_list(team)]


# --- Agents' state --------------------------------------------------------------------------


class AgentOut(Schema):
    user_id: int
    name: str
    status: str
    pause_reason: str | None
    status_since: datetime | None
    capacity: int
    load: int
    teams: list[int]


class LoginIn(Schema):
    teams: list[int]


class PauseIn(Schema):
    reason_id: int


class CapacityIn(Schema):
    capacity: int


def _agent_out(user: User) -> dict[str, Any]:
    state = selectors.agent_state_get(user)
    return {
        "user_id": user.pk,
        "name": user.full_name,
        "status": state.status,
        "pause_reason": state.pause.reason.name if state.pause_id and state.pause else None,
        "status_since": state.status_changed_at,
        "capacity": state.capacity,
        "load": agent_load(user.pk),
        "teams": agent_services.logged_in_team_ids(user.pk),
    }


@router.get("/agents", response=list[AgentOut], summary="Atendentes e suas situações")
def agent_list(request: HttpRequest, team_id: int | None = None) -> list[dict[str, Any]]:
    require_capability(request, "supervise")
    return [_agent_out(user) for user in selectors.agent_list([team_id] if team_id else None)]


@router.get("/agents/me", response=AgentOut, summary="Minha situação")
def agent_me(request: HttpRequest) -> dict[str, Any]:
    require_capability(request, "serve")
    return _agent_out(request.user)  # type: ignore[arg-type]


@router.post(
    "/agents/me/login",
    response={200: AgentOut, **ERRORS},
    summary="Entrar em equipes e ficar disponível",
)
@domain_errors
def agent_login(request: HttpRequest, payload: LoginIn) -> Any:
    require_capability(request, "serve")
    agent_services.agent_login(
        actor=_actor(request),
        user=request.user,  # type: ignore[arg-type]
        teams=payload.teams,
    )
    return _agent_out(request.user)  # type: ignore[arg-type]


@router.post("/agents/me/available", response={200: AgentOut, **ERRORS}, summary="Voltar da pausa")
@domain_errors
def agent_available(request: HttpRequest) -> Any:
    require_capability(request, "serve")
    agent_services.agent_available(actor=_actor(request), user=request.user)  # type: ignore[arg-type]
    return _agent_out(request.user)  # type: ignore[arg-type]


@router.post(
    "/agents/me/pause",
    response={200: AgentOut, **ERRORS},
    summary="Pausar sem largar os atendimentos em curso (6.5.58.13)",
)
@domain_errors
def agent_pause(request: HttpRequest, payload: PauseIn) -> Any:
    require_capability(request, "serve")
    reason = PauseReason.objects.filter(pk=payload.reason_id).first()
    if reason is None:
        raise RoutingError(
            _("Motivo de pausa não encontrado."), code="not_found", field="reason_id"
        )
    agent_services.agent_pause(
        actor=_actor(request),
        user=request.user,  # type: ignore[arg-type]
        reason=reason,
    )
    return _agent_out(request.user)  # type: ignore[arg-type]


@router.post(
    "/agents/me/logout",
    response={200: AgentOut, **ERRORS},
    summary="Sair de todas as equipes (os atendimentos voltam à fila)",
)
@domain_errors
def agent_logout(request: HttpRequest) -> Any:
    require_capability(request, "serve")
    agent_services.agent_logout(actor=_actor(request), user=request.user)  # type: ignore[arg-type]
    return _agent_out(request.user)  # type: ignore[arg-type]


@router.post(
    "/agents/{user_id}/logout",
    response={200: AgentOut, **ERRORS},
    summary="Desconectar um atendente (supervisor)",
)
@domain_errors
def agent_logout_other(request: HttpRequest, user_id: int) -> Any:
    require_capability(request, "supervise")
    user = get_object_or_404(User, pk=user_id)
    agent_services.agent_logout(actor=_actor(request), user=user)
    return _agent_out(user)


@router.patch(
    "/agents/{user_id}",
    response={200: AgentOut, **ERRORS},
    summary="Alterar a capacidade de um atendente",
)
@domain_errors
def agent_capacity(request: HttpRequest, user_id: int, payload: CapacityIn) -> Any:
    user = get_object_or_404(User, pk=user_id)
    agent_services.agent_capacity_set(actor=_actor(request), user=user, capacity=payload.capacity)
    return _agent_out(user)


# --- Queue and conversations --------------------------------------------------------------


class QueueItemOut(Schema):
    conversation_id: int
    protocol: str
    team_id: int | None
    position: int
    waiting_since: datetime
    waited_seconds: int
    channel_id: int
    contact_name: str


def _visible_team_ids(request: HttpRequest) -> list[int] | None:
    """Supervisors see every team; an agent, the teams that allow them."""
    if has_capability(request.user, "supervise"):
        return None
    return selectors.user_team_ids(int(request.user.pk or 0))


@router.get("/queue", response=list[QueueItemOut], summary="Fila de espera, na ordem")
def queue(request: HttpRequest, team_id: int | None = None) -> list[dict[str, Any]]:
    require_capability(request, "serve")
    visible = _visible_team_ids(request)
    teams = [team_id] if team_id is not None else visible
    if visible is not None and teams is not None:
        teams = [team for team in teams if team in visible]
    now = timezone.now()
    return [
        {
            "conversation_id": row.conversation_id,
            "protocol": row.conversation.protocol,
            "team_id": row.team_id,
            "position": row.position,  # type: ignore[attr-defined]
            "waiting_since": row.waiting_since,
            "waited_seconds": int((now - (row.waiting_since or now)).total_seconds()),
            "channel_id": row.conversation.channel_id,
            "contact_name": row.conversation.contact.name,
        }
        for row in selectors.queue_list(teams)
    ]


class RoutingOut(Schema):
    conversation_id: int
    protocol: str
    state: str
    team_id: int | None
    agent_id: int | None
    last_agent_id: int | None
    participants: list[int]
    waiting_since: datetime | None
    assigned_at: datetime | None
    closed_at: datetime | None
    close_reason: str
    disposition_id: int | None
    closing_note: str


class EventOut(Schema):
    kind: str
    at: datetime
    state: str
    team_id: int | None
    agent_id: int | None
    from_team_id: int | None
    from_agent_id: int | None
    actor_id: int | None
    actor_label: str
    via: str
    reason: str
    note: str
    data: dict[str, Any]


def _conversation_for(request: HttpRequest, conversation_id: int) -> Conversation:
    """The conversation, if the person may see it: supervisors any, an agent those of their
    teams or that they take part in. Otherwise 404, so ids are not probed."""
    conversation = get_object_or_404(Conversation, pk=conversation_id)
    if has_capability(request.user, "supervise"):
        return conversation
    routing = ConversationRouting.objects.filter(pk=conversation.pk).first()
    user_id = int(request.user.pk or 0)
    mine = routing is not None and (
        routing.agent_id == user_id
        or ConversationParticipant.objects.filter(
            conversation=conversation, user_id=user_id, left_at__isnull=True
        ).exists()
    )
    team_id = routing.team_id if routing is not None else conversation.team_id
    if mine or team_id in selectors.user_team_ids(user_id):
        return conversation
    raise HttpError(404, _("Atendimento não encontrado."))


def _routing_out(conversation: Conversation) -> dict[str, Any]:
    routing = ConversationRouting.objects.filter(pk=conversation.pk).first()
    if routing is None:
        routing = ConversationRouting(
            conversation=conversation, state=RoutingState.WAITING, team_id=conversation.team_id
        )
    return {
        "conversation_id": conversation.pk,
        "protocol": conversation.protocol,
        "state": routing.state,
        "team_id": routing.team_id,
        "agent_id": routing.agent_id,
        "last_agent_id": routing.last_agent_id,
        "participants": list(
            ConversationParticipant.objects.filter(
                conversation=conversation, left_at__isnull=True
            ).values_list("user_id", flat=True)
        ),
        "waiting_since": routing.waiting_since,
        "assigned_at": routing.assigned_at,
        "closed_at": routing.closed_at,
        "close_reason": routing.close_reason,
        "disposition_id": routing.disposition_id,
        "closing_note": routing.closing_note,
    }


@router.post(
    "/queue/take",
    response={200: RoutingOut, **ERRORS},
    summary="Puxar da fila o atendimento que espera há mais tempo nas minhas equipes",
)
@domain_errors
def queue_take_route(request: HttpRequest) -> Any:
    require_capability(request, "serve")
    routing = queue_take(actor=_actor(request), user=request.user)  # type: ignore[arg-type]
    return _routing_out(Conversation.objects.get(pk=routing.conversation_id))


@router.get(
    "/conversations/{conversation_id}",
    response={200: RoutingOut, **ERRORS},
    summary="Situação de roteamento de um atendimento",
)
def conversation_routing(request: HttpRequest, conversation_id: int) -> dict[str, Any]:
    require_capability(request, "serve")
    return _routing_out(_conversation_for(request, conversation_id))


@router.get(
    "/conversations/{conversation_id}/events",
    response={200: list[EventOut], **ERRORS},
    summary="Histórico de estados (base do TME e do TMA)",
)
def conversation_events(request: HttpRequest, conversation_id: int) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    return list(selectors.conversation_event_list(conversation.pk))


class AssignIn(Schema):
    agent_id: int


class TransferIn(Schema):
    agent_id: int | None = None
    team_id: int | None = None
    note: str = ""


class CloseIn(Schema):
    disposition_id: int | None = None
    note: str = ""


class MessageIn(Schema):
    text: str


class MessageOut(Schema):
    id: int
    text: str
    status: str
    sender_name: str
    created_at: datetime


def _user(user_id: int, field: str = "agent_id") -> User:
    user = User.objects.filter(pk=user_id).first()
    if user is None:
        raise RoutingError(_("Atendente não encontrado."), code="not_found", field=field)
    return user


@router.post(
    "/conversations/{conversation_id}/assign",
    response={200: RoutingOut, **ERRORS},
    summary="Entregar um atendimento da fila a um atendente disponível (supervisor)",
)
@domain_errors
def conversation_assign(request: HttpRequest, conversation_id: int, payload: AssignIn) -> Any:
    require_capability(request, "supervise")
    conversation = _conversation_for(request, conversation_id)
    lifecycle.conversation_assign(
        actor=_actor(request), conversation=conversation, agent=_user(payload.agent_id)
    )
    return _routing_out(conversation)


@router.post(
    "/conversations/{conversation_id}/transfer",
    response={200: RoutingOut, **ERRORS},
    summary="Transferir para um atendente ou uma equipe, com observação",
)
@domain_errors
def conversation_transfer(request: HttpRequest, conversation_id: int, payload: TransferIn) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    lifecycle.conversation_transfer(
        actor=_actor(request),
        conversation=conversation,
        to_agent=_user(payload.agent_id) if payload.agent_id is not None else None,
        to_team_id=payload.team_id,
        note=payload.note,
    )
    return _routing_out(conversation)


@router.post(
    "/conversations/{conversation_id}/invite",
    response={200: RoutingOut, **ERRORS},
    summary="Convidar outro atendente (6.5.58.7)",
)
@domain_errors
def conversation_invite(request: HttpRequest, conversation_id: int, payload: AssignIn) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    lifecycle.conversation_invite(
        actor=_actor(request), conversation=conversation, agent=_user(payload.agent_id)
    )
    return _routing_out(conversation)


@router.post(
    "/conversations/{conversation_id}/leave",
    response={200: RoutingOut, **ERRORS},
    summary="Sair de um atendimento para o qual foi convidado",
)
@domain_errors
def conversation_leave(request: HttpRequest, conversation_id: int) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    lifecycle.conversation_leave(actor=_actor(request), conversation=conversation)
    return _routing_out(conversation)


@router.post(
    "/conversations/{conversation_id}/close",
    response={200: RoutingOut, **ERRORS},
    summary="Encerrar com tabulação (6.5.29, 6.5.58.16)",
)
@domain_errors
def conversation_close(request: HttpRequest, conversation_id: int, payload: CloseIn) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    disposition = None
    if payload.disposition_id is not None:
        disposition = Disposition.objects.filter(pk=payload.disposition_id).first()
        if disposition is None:
            raise RoutingError(
                _("Tabulação não encontrada."), code="not_found", field="disposition_id"
            )
    lifecycle.conversation_close(
        actor=_actor(request), conversation=conversation, disposition=disposition, note=payload.note
    )
    return _routing_out(conversation)


@router.post(
    "/conversations/{conversation_id}/reopen",
    response={200: RoutingOut, **ERRORS},
    summary="Reabrir (volta à fila da equipe)",
)
@domain_errors
def conversation_reopen(request: HttpRequest, conversation_id: int) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    lifecycle.conversation_reopen(actor=_actor(request), conversation=conversation)
    return _routing_out(conversation)


@router.post(
    "/conversations/{conversation_id}/messages",
    response={201: MessageOut, **ERRORS},
    summary="Responder ao cidadão (palavras proibidas são recusadas, 6.5.55)",
)
@domain_errors
def conversation_message(request: HttpRequest, conversation_id: int, payload: MessageIn) -> Any:
    require_capability(request, "serve")
    conversation = _conversation_for(request, conversation_id)
    message = replies.agent_message_send(
        actor=_actor(request), conversation=conversation, text=payload.text
    )
    return Status(201, message)


# --- Lists for the console ------------------------------------------------------------------


class NamedOut(Schema):
    id: int
    name: str


class CannedReplyOut(Schema):
    id: int
    team_id: int | None
    shortcut: str
    title: str
    text: str


@router.get("/dispositions", response=list[NamedOut], summary="Tabulações da equipe")
def disposition_list(request: HttpRequest, team_id: int | None = None) -> Any:
    require_capability(request, "serve")
    return list(selectors.disposition_list(team_id))


@router.get("/pause-reasons", response=list[NamedOut], summary="Motivos de pausa")
def pause_reason_list(request: HttpRequest) -> Any:
    require_capability(request, "serve")
    return list(selectors.pause_reason_list())


@router.get(
    "/canned-replies",
    response=list[CannedReplyOut],
    summary="Mensagens pré-definidas das minhas equipes (6.5.37.1)",
)
def canned_reply_list(request: HttpRequest, team_id: int | None = None, q: str = "") -> Any:
    require_capability(request, "serve")
    visible = _visible_team_ids(request)
    teams = [team_id] if team_id is not None else visible
    if visible is not None and teams is not None:
        teams = [team for team in teams if team in visible]
    return list(selectors.canned_reply_list(team_ids=teams, search=q.strip()))


# --- Survey results (6.5.32) --------------------------------------------------------------


class SurveyOut(Schema):
    conversation_id: int
    protocol: str
    agent_id: int
    agent_name: str
    team_id: int | None
    status: str
    score: int | None
    sent_at: datetime
    answered_at: datetime | None


class AgentScoreOut(Schema):
    agent_id: int
    agent_name: str
    answered: int
    average: float | None


class SurveyResultsOut(Schema):
    surveys: list[SurveyOut]
    by_agent: list[AgentScoreOut]


@router.get(
    "/surveys", response=SurveyResultsOut, summary="Pesquisas de satisfação e a média por atendente"
)
def survey_results(
    request: HttpRequest,
    since: datetime | None = None,
    until: datetime | None = None,
    agent_id: int | None = None,
    team_id: int | None = None,
) -> dict[str, Any]:
    if not has_capability(request.user, "view_reports"):
        require_capability(request, "supervise")
    surveys = selectors.survey_list(since=since, until=until, agent_id=agent_id, team_id=team_id)
    return {
        "surveys": [
            {
                "conversation_id": survey.conversation_id,
                "protocol": survey.conversation.protocol,
                "agent_id": survey.agent_id,
                "agent_name": survey.agent.full_name,
                "team_id": survey.team_id,
                "status": survey.status,
                "score": survey.score,
                "sent_at": survey.sent_at,
                "answered_at": survey.answered_at,
            }
            for survey in surveys[:500]
        ],
        "by_agent": selectors.survey_scores_by_agent(surveys),
    }

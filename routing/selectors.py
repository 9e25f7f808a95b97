"""Reads of routing, shared by the API and the screens."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.db.models import Avg, Count, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from desk.models import Team
from routing.models import (
    AgentState,
    CannedReply,
    ConversationEvent,
    ConversationParticipant,
    ConversationRouting,
    Disposition,
    PauseReason,
    RoutingState,
    SurveyRequest,
    SurveyStatus,
    TeamMembership,
)


def team_list() -> QuerySet[Team]:
    return Team.objects.select_related("routing_settings").order_by("name")


def team_member_list(team: Team) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(team=team).select_related("user").order_by("user__full_name")
    )


def user_team_ids(user_id: int) -> list[int]:
    return list(TeamMembership.objects.filter(user_id=user_id).values_list("team_id", flat=True))


def serving_user_list() -> QuerySet[User]:
    """Active users who may serve (the ones a team may allow)."""
    return (
        User.objects.filter(is_active=True)
        .filter(Q(groups__permissions__codename="serve") | Q(user_permissions__codename="serve"))
        .distinct()
        .order_by("full_name")
    )


def _load() -> Subquery:
    return Subquery(
        ConversationRouting.objects.filter(agent_id=OuterRef("pk"), state=RoutingState.ASSIGNED)
        .order_by()
        .values("agent_id")
        .annotate(total=Count("pk"))
        .values("total")[:1]
    )


def agent_list(team_ids: list[int] | None = None) -> QuerySet[User]:
    """Agents with their state, capacity and current load (`load`), optionally of some teams."""
    agents = serving_user_list().select_related("agent_state", "agent_state__pause__reason")
    if team_ids is not None:
        agents = agents.filter(team_memberships__team_id__in=team_ids)
    return agents.annotate(load=Coalesce(_load(), Value(0))).distinct()


def agent_state_get(user: User) -> AgentState:
    return AgentState.objects.select_related("pause__reason").filter(pk=user.pk).first() or (
        AgentState(user=user)
    )


def queue_list(team_ids: list[int] | None = None) -> list[ConversationRouting]:
    """Waiting conversations in queue order, each with its `position` in its team."""
    rows = (
        ConversationRouting.objects.filter(state=RoutingState.WAITING)
        .select_related("conversation", "conversation__contact", "conversation__channel", "team")
        .order_by("team_id", "waiting_since", "conversation_id")
    )
    if team_ids is not None:
        rows = rows.filter(team_id__in=team_ids)
    result = list(rows)
    positions: dict[int | None, int] = {}
    for row in result:
        positions[row.team_id] = positions.get(row.team_id, 0) + 1
        row.position = positions[row.team_id]  # type: ignore[attr-defined]
    return result


def conversation_event_list(conversation_id: int) -> QuerySet[ConversationEvent]:
    return ConversationEvent.objects.filter(conversation_id=conversation_id).order_by("at", "id")


def canned_reply_list(*, team_ids: list[int] | None, search: str = "") -> QuerySet[CannedReply]:
    """Replies of these teams plus the ones for every team; `None`: all of them."""
    replies = CannedReply.objects.filter(is_active=True).select_related("team")
    if team_ids is not None:
        replies = replies.filter(Q(team__isnull=True) | Q(team_id__in=team_ids))
    if search:
        replies = replies.filter(
            Q(shortcut__icontains=search) | Q(title__icontains=search) | Q(text__icontains=search)
        )
    return replies.order_by("shortcut", "team_id")


def disposition_list(team_id: int | None = None) -> QuerySet[Disposition]:
    """Active dispositions offered in the team (those for every team included)."""
    dispositions = Disposition.objects.filter(is_active=True)
    if team_id is not None:
        dispositions = dispositions.filter(Q(teams__isnull=True) | Q(teams__id=team_id))
    return dispositions.distinct().order_by("name")


def pause_reason_list() -> QuerySet[PauseReason]:
    return PauseReason.objects.filter(is_active=True).order_by("name")


@dataclass(frozen=True)
class AgentScore:
    agent_id: int
    agent_name: str
    answered: int
    average: float | None


def survey_list(
    *,
    since: datetime | None = None,
    until: datetime | None = None,
    agent_id: int | None = None,
    team_id: int | None = None,
) -> QuerySet[SurveyRequest]:
    surveys = SurveyRequest.objects.select_related("agent", "conversation")
    if since is not None:
        surveys = surveys.filter(sent_at__gte=since)
    if until is not None:
        surveys = surveys.filter(sent_at__lt=until)
    if agent_id is not None:
        surveys = surveys.filter(agent_id=agent_id)
    if team_id is not None:
        surveys = surveys.filter(team_id=team_id)
    return surveys.order_by("-sent_at", "-id")


def survey_scores_by_agent(surveys: QuerySet[SurveyRequest]) -> list[AgentScore]:
    rows = (
        surveys.filter(status=SurveyStatus.ANSWERED)
        .order_by()
        .values("agent_id", "agent__full_name")
        .annotate(answered=Count("pk"), average=Avg("score"))
        .order_by("agent__full_name")
    )
    return [
        AgentScore(
            agent_id=row["agent_id"],
            agent_name=row["agent__full_name"],
            answered=row["answered"],
            average=round(float(row["average"]), 2) if row["average"] is not None else None,
        )
        for row in rows
    ]


def team_member_list_for_user(user_id: int) -> QuerySet[TeamMembership]:
    return (
        TeamMembership.objects.filter(user_id=user_id).select_related("team").order_by("team__name")
    )


def user_conversation_ids(user_id: int) -> list[int]:
    """Open conversations the user owns or takes part in as an invited agent (6.5.58.7)."""
    owned = ConversationRouting.objects.filter(agent_id=user_id, state=RoutingState.ASSIGNED)
    invited = ConversationParticipant.objects.filter(user_id=user_id, left_at__isnull=True)
    return sorted(
        set(owned.values_list("conversation_id", flat=True))
        | set(invited.values_list("conversation_id", flat=True))
    )

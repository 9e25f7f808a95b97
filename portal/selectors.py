"""Reads behind the console and the monitor.

Agents see the conversations of the teams they belong to (routing's `TeamMembership`), the ones
they own and the ones they were invited to; supervisors and administrators see everything.
A conversation outside that set is not found (404), so its existence is not revealed either.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, datetime

from django.db.models import Count, IntegerField, OuterRef, Q, QuerySet, Subquery, Value
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import User
from core.permissions import has_capability
from desk.models import Contact, Conversation, Direction, Message
from desk.models.conversations import OPEN_STATUSES
from routing.models import (
    ConversationEvent,
    ConversationParticipant,
    ConversationRouting,
    EventKind,
    RoutingState,
)
from routing.selectors import agent_list, queue_list, user_team_ids

LIST_LIMIT = 100
SEARCH_LIMIT = 20
EPOCH = datetime(2000, 1, 1, tzinfo=UTC)
# An agent who never logged in has no state row yet; routing gives them this capacity.
DEFAULT_CAPACITY = 3


@dataclass(frozen=True)
class Scope:
    """What one user may see in the console."""

    user_id: int
    everything: bool
    team_ids: frozenset[int]

    def conversations(self, queryset: QuerySet[Conversation]) -> QuerySet[Conversation]:
        if self.everything:
            return queryset
        invited = ConversationParticipant.objects.filter(
            user_id=self.user_id, left_at__isnull=True
        ).values("conversation_id")
        return queryset.filter(
            Q(team_id__in=self.team_ids) | Q(routing__agent_id=self.user_id) | Q(pk__in=invited)
        )


def scope_for(user: User) -> Scope:
    if has_capability(user, "supervise"):
        return Scope(user_id=user.pk, everything=True, team_ids=frozenset())
    return Scope(user_id=user.pk, everything=False, team_ids=frozenset(user_team_ids(user.pk)))


def _unread() -> Subquery:
    """Citizen messages after the conversation's latest outbound message: what nobody has
    answered yet (the console keeps no per-agent read marks)."""
    last_outbound = (
        Message.objects.filter(conversation=OuterRef(OuterRef("pk")), direction=Direction.OUTBOUND)
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    unanswered = (
        Message.objects.filter(conversation=OuterRef("pk"), direction=Direction.INBOUND)
        .filter(created_at__gt=Coalesce(Subquery(last_outbound), Value(EPOCH)))
        .order_by()
        .values("conversation")
        .annotate(total=Count("pk"))
        .values("total")[:1]
    )
    return Subquery(unanswered, output_field=IntegerField())


def _base() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("contact", "channel", "team", "routing")


def waiting_list(scope: Scope) -> list[Conversation]:
    """Queued conversations, longest waiting first (6.5.58.1)."""
    conversations = scope.conversations(_base()).filter(status="queued")
    return list(
        conversations.annotate(unread=Coalesce(_unread(), Value(0))).order_by("opened_at", "id")[
            :LIST_LIMIT
        ]
    )


def my_list(scope: Scope) -> list[Conversation]:
    """Conversations this user owns or was invited to, latest activity first, with unread."""
    invited = ConversationParticipant.objects.filter(
        user_id=scope.user_id, left_at__isnull=True
    ).values("conversation_id")
    conversations = (
        _base()
        .filter(status__in=OPEN_STATUSES)
        .filter(
            Q(routing__agent_id=scope.user_id, routing__state=RoutingState.ASSIGNED)
            | Q(pk__in=invited)
        )
    )
    return list(
        conversations.annotate(unread=Coalesce(_unread(), Value(0))).order_by(
            "-last_message_at", "-id"
        )[:LIST_LIMIT]
    )


def conversation_find(scope: Scope, conversation_id: int) -> Conversation | None:
    return (
        scope.conversations(_base().select_related("identity")).filter(pk=conversation_id).first()
    )


def routing_of(conversation: Conversation) -> ConversationRouting | None:
    return ConversationRouting.objects.filter(pk=conversation.pk).first()


def handover_notes(conversation: Conversation) -> list[ConversationEvent]:
    """The notes left for whoever receives a transferred conversation (6.5.58.8), oldest
    first: staff read them, the citizen never does."""
    return list(
        ConversationEvent.objects.filter(conversation=conversation, kind=EventKind.TRANSFERRED)
        .exclude(note="")
        .order_by("at", "id")
    )


def thread(conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("media")


def contact_find(scope: Scope, contact_id: int) -> Contact | None:
    """A contact the user may see: one with a conversation in their scope."""
    visible = scope.conversations(Conversation.objects.filter(contact_id=contact_id))
    if not visible.exists():
        return None
    return Contact.objects.prefetch_related("identities__channel").filter(pk=contact_id).first()


def contact_history(contact: Contact) -> list[Conversation]:
    """Every conversation of the contact, on every channel, newest first (6.5.36)."""
    return list(
        Conversation.objects.filter(contact=contact)
        .select_related("channel", "team", "routing__disposition")
        .annotate(message_count=Count("messages"))
        .order_by("-opened_at", "-id")
    )


def contact_search(scope: Scope, query: str) -> list[Contact]:
    """By name or phone (6.5.58.18), among the contacts the user may see."""
    query = query.strip()
    if len(query) < 2:
        return []
    digits = "".join(character for character in query if character.isdigit())
    condition = Q(name__icontains=query)
    if len(digits) >= 3:
        condition |= Q(phone__contains=digits)
    visible = scope.conversations(Conversation.objects.all()).values("contact_id")
    return list(
        Contact.objects.filter(condition, pk__in=visible).order_by("name", "id")[:SEARCH_LIMIT]
    )


def supervised_team_ids(user: User) -> list[int] | None:
    """6.5.44.1: a supervisor monitors the teams they belong to. An administrator, or a
    supervisor who belongs to no team, monitors every team (None)."""
    if has_capability(user, "manage_settings"):
        return None
    return sorted(user_team_ids(user.pk)) or None


@dataclass
class AgentTeam:
    name: str
    logged_in: bool


@dataclass
class AgentRow:
    user: User
    status: str
    status_label: str
    since: datetime | None
    pause_reason: str
    capacity: int
    conversations: list[ConversationRouting]
    teams: list[AgentTeam]


def monitor_agents(team_ids: list[int] | None = None) -> list[AgentRow]:
    """The serving users of the monitored teams with their state, pause, teams (6.5.45) and
    the conversations they own in those teams (6.5.44.2)."""
    from routing.models import AgentStatus, TeamMembership

    owned: dict[int, list[ConversationRouting]] = {}
    routings = ConversationRouting.objects.filter(state=RoutingState.ASSIGNED)
    if team_ids is not None:
        routings = routings.filter(team_id__in=team_ids)
    for routing in routings.select_related(
        "conversation__contact", "conversation__channel", "team"
    ).order_by("assigned_at"):
        owned.setdefault(int(routing.agent_id or 0), []).append(routing)
    users = list(agent_list(team_ids))
    teams: dict[int, list[AgentTeam]] = {}
    for membership in (
        TeamMembership.objects.filter(user_id__in=[user.pk for user in users])
        .select_related("team")
        .order_by("team__name")
    ):
        teams.setdefault(membership.user_id, []).append(
            AgentTeam(name=membership.team.name, logged_in=membership.is_logged_in)
        )
    rows = []
    for user in users:
        state = getattr(user, "agent_state", None)
        status = state.status if state is not None else AgentStatus.OFFLINE
        pause = state.pause if state is not None else None
        rows.append(
            AgentRow(
                user=user,
                status=status,
                status_label=str(AgentStatus(status).label),
                since=state.status_changed_at if state is not None else None,
                pause_reason=pause.reason.name if pause is not None else "",
                capacity=state.capacity if state is not None else DEFAULT_CAPACITY,
                conversations=owned.get(user.pk, []),
                teams=teams.get(user.pk, []),
            )
        )
    return rows


def monitor_queue(team_ids: list[int] | None = None) -> list[ConversationRouting]:
    return queue_list(team_ids)


def unrouted_waiting(team_ids: list[int] | None = None) -> list[Conversation]:
    """Queued conversations that routing has not taken in yet (no routing row)."""
    conversations = _base().filter(status="queued", routing__isnull=True)
    if team_ids is not None:
        conversations = conversations.filter(team_id__in=team_ids)
    return list(conversations.order_by("opened_at", "id")[:LIST_LIMIT])


def minutes_since(moment: datetime | None, now: datetime | None = None) -> int:
    if moment is None:
        return 0
    return max(0, int(((now or timezone.now()) - moment).total_seconds() // 60))

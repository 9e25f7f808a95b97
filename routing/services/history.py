"""Which of a contact's conversations an agent sees as history (6.5.37.3, 6.5.37.4).

Each team chooses (`TeamConsoleSettings.history_visibility`): only the current conversation,
the conversations of the teams the agent is logged into, or all of the contact's
conversations. An agent gets the strictest choice among the teams they are logged into (or,
logged into none, the teams they belong to), so belonging to an open team never lifts a
restricted team's rule. Supervisors and administrators (capability `supervise`) always see
everything. A team without settings sees everything, as before the setting existed.

"History" means the contact's other conversations: the conversation the agent has open
(`current`) is always listed, and reading an open conversation, or one the agent was the last
to handle, is never refused here — that is their own work, governed by the ordinary team
scope, not history.

The console's contact panel, its "past conversation" view, the conversation page and the
API all ask here, so they agree.
"""

from __future__ import annotations

from django.db.models import Count, Q, QuerySet

from accounts.models import User
from core.permissions import has_capability
from desk.models import Contact, Conversation
from desk.models.conversations import OPEN_STATUSES
from routing.models import (
    HISTORY_STRICTNESS,
    ConversationRouting,
    HistoryVisibility,
    TeamConsoleSettings,
    TeamMembership,
)


def history_visibility_for(user: User) -> HistoryVisibility:
    """The choice that applies to this user now (see the module's docstring)."""
    if has_capability(user, "supervise"):
        return HistoryVisibility.ALL
    memberships = TeamMembership.objects.filter(user_id=user.pk, user__is_active=True)
    logged = list(memberships.filter(is_logged_in=True).values_list("team_id", flat=True))
    team_ids = logged or list(memberships.values_list("team_id", flat=True))
    if not team_ids:
        return HistoryVisibility.CURRENT
    configured = dict(
        TeamConsoleSettings.objects.filter(team_id__in=team_ids).values_list(
            "team_id", "history_visibility"
        )
    )
    choices = [configured.get(team_id, HistoryVisibility.ALL) for team_id in team_ids]
    return min((HistoryVisibility(choice) for choice in choices), key=HISTORY_STRICTNESS.index)


def _logged_team_ids(user: User) -> list[int]:
    return list(
        TeamMembership.objects.filter(user_id=user.pk, is_logged_in=True).values_list(
            "team_id", flat=True
        )
    )


def _visible_filter(user: User, current_id: int | None) -> Q | None:
    """The condition on a contact's conversations for this user; None: no restriction."""
    visibility = history_visibility_for(user)
    if visibility == HistoryVisibility.ALL:
        return None
    condition = Q(pk=current_id) if current_id is not None else Q(pk__in=[])
    if visibility == HistoryVisibility.LOGGED_TEAMS:
        condition |= Q(team_id__in=_logged_team_ids(user))
    return condition


def contact_history_for(
    user: User, contact: Contact, *, current_id: int | None = None
) -> QuerySet[Conversation]:
    """The contact's conversations this user may see in the history, newest first."""
    conversations = Conversation.objects.filter(contact=contact)
    condition = _visible_filter(user, current_id)
    if condition is not None:
        conversations = conversations.filter(condition)
    return (
        conversations.select_related("channel", "team", "routing__disposition")
        .annotate(message_count=Count("messages"))
        .order_by("-opened_at", "-id")
    )


def history_allows(
    user: User, conversation: Conversation, *, current_id: int | None = None
) -> bool:
    """Whether this user may read this conversation as history. An open conversation is
    current work (the caller's team scope decides), and so is one the user was the last agent
    of (the page they are sent back to after closing it); any other closed one is history."""
    if conversation.status in OPEN_STATUSES or conversation.pk == current_id:
        return True
    if ConversationRouting.objects.filter(pk=conversation.pk, last_agent_id=user.pk).exists():
        return True
    condition = _visible_filter(user, current_id)
    if condition is None:
        return True
    return Conversation.objects.filter(condition, pk=conversation.pk).exists()

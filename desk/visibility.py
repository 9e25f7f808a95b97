"""Who may see which conversations: one answer for the API, the agent page and the live stream.

- capability `supervise` (supervisors, administrators): every conversation, every staff event;
- capability `serve` without `supervise` (agents): the conversations of the teams they are
  members of (routing's `TeamMembership`, 6.5.37.6, whether or not they are logged into the
  team right now), plus the ones they own or were invited into (6.5.58.7) while that lasts;
  live events addressed to those teams or conversations, and events addressed to them by name;
- anyone else (auditors, anonymous): no conversation at all.

An agent of no team sees nothing but what is addressed to them. The answer is computed per
request, and per live connection: a membership change reaches an open stream when it
reconnects (desk.live ends every stream after `LIVE_MAX_STREAM_SECONDS`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import Q, QuerySet

from core.permissions import has_capability
from desk.models import Conversation
from routing.selectors import user_conversation_ids, user_team_ids


@dataclass(frozen=True)
class Visibility:
    """What one user may see. Computed once per request or live connection."""

    user_id: int | None
    role: str | None
    everything: bool
    # Agents may serve: they see their teams' conversations, and events addressed to them by
    # name even while they belong to no team.
    serves: bool
    team_ids: frozenset[int]
    # Conversations outside those teams the agent owns or was invited into.
    conversation_ids: frozenset[int] = frozenset()

    @property
    def any(self) -> bool:
        """Whether this user may see conversations at all (and open a live stream)."""
        return self.everything or self.serves

    def conversations(
        self, queryset: QuerySet[Conversation] | None = None
    ) -> QuerySet[Conversation]:
        conversations = queryset if queryset is not None else Conversation.objects.all()
        if self.everything:
            return conversations
        if not self.team_ids and not self.conversation_ids:
            return conversations.none()
        return conversations.filter(Q(team_id__in=self.team_ids) | Q(pk__in=self.conversation_ids))

    def sees_conversation(self, conversation: Conversation) -> bool:
        if self.everything:
            return True
        if conversation.pk in self.conversation_ids:
            return True
        return conversation.team_id is not None and conversation.team_id in self.team_ids

    def sees_event(self, audience: Mapping[str, Any], conversation_id: int | None = None) -> bool:
        """Whether a live event with this `audience` (desk.events.Audience) about
        `conversation_id` (when it concerns one) is for this user.

        An event addressed only to a WebChat visitor (no teams, users or roles) is never shown
        to staff: it repeats what `message.created` already said.
        """
        if not self.any:
            return False
        users = audience.get("users") or ()
        if self.user_id is not None and self.user_id in users:
            return True
        roles = audience.get("roles") or ()
        if self.role is not None and self.role in roles:
            return True
        teams = audience.get("teams") or ()
        if self.everything:
            return bool(teams)
        if any(team in self.team_ids for team in teams):
            return True
        # A conversation of another team the agent owns or joined: staff events about it only.
        return (
            bool(teams) and conversation_id is not None and conversation_id in self.conversation_ids
        )


def member_team_ids(user: Any) -> frozenset[int]:
    """The teams the agent is a member of (routing's membership, 6.5.37.6)."""
    return frozenset(user_team_ids(int(user.pk)))


def visible_to(user: Any) -> Visibility:
    """The visibility of `user` in the current tenant schema."""
    if user is None or not getattr(user, "is_authenticated", False):
        return Visibility(
            user_id=None, role=None, everything=False, serves=False, team_ids=frozenset()
        )
    role = getattr(user, "role", None)
    if has_capability(user, "supervise"):
        return Visibility(
            user_id=user.pk, role=role, everything=True, serves=True, team_ids=frozenset()
        )
    if has_capability(user, "serve"):
        return Visibility(
            user_id=user.pk,
            role=role,
            everything=False,
            serves=True,
            team_ids=member_team_ids(user),
            conversation_ids=frozenset(user_conversation_ids(int(user.pk))),
        )
    return Visibility(
        user_id=user.pk, role=role, everything=False, serves=False, team_ids=frozenset()
    )

"""Who may see which conversations: one answer for the API, the agent page and the live stream.

- capability `supervise` (supervisors, administrators): every conversation, every staff event;
- capability `serve` without `supervise` (agents): the conversations of their teams, and events
  addressed to them by name;
- anyone else (auditors, anonymous): no conversation at all.

Team membership arrives with routing (issue 4), which replaces `member_team_ids`. Until then an
agent serves every team's queue, as the pipeline queues every conversation in its channel's
default team and nobody could otherwise answer it.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from django.db.models import QuerySet

from core.permissions import has_capability
from desk.models import Conversation, Team


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
        if not self.team_ids:
            return conversations.none()
        return conversations.filter(team_id__in=self.team_ids)

    def sees_conversation(self, conversation: Conversation) -> bool:
        if self.everything:
            return True
        return conversation.team_id is not None and conversation.team_id in self.team_ids

    def sees_event(self, audience: Mapping[str, Any]) -> bool:
        """Whether a live event with this `audience` (desk.events.Audience) is for this user.

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
        return any(team in self.team_ids for team in teams)


def member_team_ids(user: Any) -> frozenset[int]:
    """The teams an agent serves. Routing (issue 4) replaces this with real membership."""
    return frozenset(Team.objects.values_list("pk", flat=True))


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
        )
    return Visibility(
        user_id=user.pk, role=role, everything=False, serves=False, team_ids=frozenset()
    )

"""Recording a conversation's state changes (append-only) and telling live screens."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from desk.events import Audience, publish_on_commit
from desk.models import Conversation
from routing.models import ConversationEvent, ConversationRouting
from security.actors import Actor


def event_record(
    *,
    routing: ConversationRouting,
    kind: str,
    actor: Actor,
    at: datetime,
    from_team_id: int | None = None,
    from_agent_id: int | None = None,
    reason: str = "",
    note: str = "",
    data: dict[str, Any] | None = None,
) -> ConversationEvent:
    """Appends one event carrying the routing state *after* the change. Call it after the
    routing row is saved, inside the same transaction."""
    event = ConversationEvent.objects.create(
        conversation_id=routing.conversation_id,
        kind=kind,
        at=at,
        state=routing.state,
        team_id=routing.team_id,
        agent_id=routing.agent_id,
        from_team_id=from_team_id,
        from_agent_id=from_agent_id,
        actor_id=actor.user_id,
        actor_label=actor.label[:254],
        via=actor.via[:8],
        reason=reason[:32],
        note=note,
        data=data or {},
    )
    users = [user for user in (routing.agent_id, from_agent_id) if user]
    teams = [team for team in (routing.team_id, from_team_id) if team]
    publish_on_commit(
        "conversation.routing",
        {
            "conversation_id": routing.conversation_id,
            "event": kind,
            "state": routing.state,
            "team_id": routing.team_id,
            "agent_id": routing.agent_id,
            "from_team_id": from_team_id,
            "from_agent_id": from_agent_id,
            "at": at,
        },
        Audience(teams=teams, users=users),
    )
    return event


def conversation_sync(routing: ConversationRouting, *, at: datetime) -> None:
    """Keeps the desk conversation's status and team equal to the routing state."""
    status = {"waiting": "queued", "assigned": "open", "closed": "closed"}[routing.state]
    changes: dict[str, Any] = {"status": status, "team_id": routing.team_id}
    if routing.state == "closed":
        changes["closed_at"] = at
    else:
        changes["closed_at"] = None
    Conversation.objects.filter(pk=routing.conversation_id).update(**changes)

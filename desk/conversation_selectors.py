"""Reads of conversations and messages for people: the API and the agent page.

Every list goes through `desk.visibility`, so a conversation a user may not see is neither
listed nor found (a 404, not a 403: its existence is not revealed either).
"""

from __future__ import annotations

from django.db.models import Exists, OuterRef, QuerySet

from desk.models import Conversation, Direction, Message
from desk.models.conversations import OPEN_STATUSES
from desk.visibility import Visibility
from routing.models import ConversationRouting


def conversation_list(
    *,
    visibility: Visibility,
    statuses: tuple[str, ...] = OPEN_STATUSES,
    team_id: int | None = None,
    channel_id: int | None = None,
) -> QuerySet[Conversation]:
    """Ongoing conversations (queued or open) the user may see, latest activity first."""
    conversations = visibility.conversations(
        Conversation.objects.select_related("contact", "channel", "team")
    ).filter(status__in=statuses)
    if team_id is not None:
        conversations = conversations.filter(team_id=team_id)
    if channel_id is not None:
        conversations = conversations.filter(channel_id=channel_id)
    return conversations.order_by("-last_message_at", "-id")


def _answered_by(user_id: int) -> Exists:
    return Exists(
        Message.objects.filter(
            conversation=OuterRef("pk"), direction=Direction.OUTBOUND, sender_user_id=user_id
        )
    )


def _owned(user_id: int | None = None) -> Exists:
    """Routing gave the conversation to this user (to anyone, without `user_id`)."""
    owners = ConversationRouting.objects.filter(conversation_id=OuterRef("pk"))
    if user_id is None:
        return Exists(owners.filter(agent_id__isnull=False))
    return Exists(owners.filter(agent_id=user_id))


def conversation_list_mine(*, visibility: Visibility) -> QuerySet[Conversation]:
    """Ongoing conversations routing gave this user (assigned, transferred, taken from the
    queue) or that they answered."""
    if visibility.user_id is None:
        return Conversation.objects.none()
    return conversation_list(visibility=visibility).filter(
        _owned(visibility.user_id) | _answered_by(visibility.user_id)
    )


def conversation_list_waiting(*, visibility: Visibility) -> QuerySet[Conversation]:
    """Ongoing conversations nobody owns or has answered yet, longest waiting first."""
    answered = Exists(
        Message.objects.filter(
            conversation=OuterRef("pk"), direction=Direction.OUTBOUND, sender_user_id__isnull=False
        )
    )
    return (
        conversation_list(visibility=visibility)
        .filter(~answered & ~_owned())
        .order_by("opened_at", "id")
    )


def conversation_get(*, visibility: Visibility, conversation_id: int) -> Conversation | None:
    return (
        visibility.conversations(
            Conversation.objects.select_related("contact", "channel", "team", "identity")
        )
        .filter(pk=conversation_id)
        .first()
    )


def message_list(*, conversation: Conversation) -> QuerySet[Message]:
    return Message.objects.filter(conversation=conversation).select_related("media")

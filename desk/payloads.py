"""JSON shapes of desk objects in live events. Text is included: the audience may read the
conversation anyway, and it spares every screen a round trip per message."""

from __future__ import annotations

from typing import Any

from desk.models import Conversation, Message


def conversation_payload(conversation: Conversation) -> dict[str, Any]:
    return {
        "id": conversation.pk,
        "protocol": conversation.protocol,
        "status": conversation.status,
        "channel_id": conversation.channel_id,
        "team_id": conversation.team_id,
        "contact_id": conversation.contact_id,
        "opened_at": conversation.opened_at,
        "last_message_at": conversation.last_message_at,
    }


def message_payload(message: Message) -> dict[str, Any]:
    return {
        "id": message.pk,
        "conversation_id": message.conversation_id,
        "channel_id": message.channel_id,
        "direction": message.direction,
        "kind": message.kind,
        "text": message.text,
        "status": message.status,
        "origin": message.origin,
        "sender_name": message.sender_name,
        "media_status": message.media_status,
        "created_at": message.created_at,
    }

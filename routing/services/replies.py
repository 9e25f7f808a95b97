"""An agent's message to the citizen: who may write, the blocked words (6.5.55) and the
agent's name on the message (6.5.31), then desk's outbound service."""

from __future__ import annotations

from django.utils.translation import gettext as _

from channels.models import ChannelType
from desk.models import Conversation, MediaFile, Message
from desk.services.outbound import message_send
from routing.errors import Conflict, NotAllowed
from routing.models import ConversationRouting, RoutingState
from routing.services.access import actor_user, can, is_participant
from routing.services.dispatch import agent_name
from routing.services.teams import team_settings
from routing.services.words import outbound_text_check
from security.actors import Actor


def with_agent_name(channel_type: str, name: str, text: str) -> str:
    """WhatsApp shows `*bold*`; the other channels show the name plainly."""
    if channel_type == ChannelType.WHATSAPP:
        return f"*{name}:*\n{text}"
    return f"{name}:\n{text}"


def agent_message_send(
    *,
    actor: Actor,
    conversation: Conversation,
    text: str | None = None,
    media: MediaFile | None = None,
) -> Message:
    """The owner, an invited agent or a supervisor writes to the citizen. Blocked words are
    refused before anything is written, naming them (`BlockedWordsRefused`)."""
    routing = ConversationRouting.objects.filter(pk=conversation.pk).first()
    if routing is None or routing.state != RoutingState.ASSIGNED:
        raise Conflict(_("Assuma o atendimento antes de responder."), code="not_assigned")
    if not (is_participant(actor, routing) or can(actor, "supervise")) or actor.user_id is None:
        raise NotAllowed(_("Este atendimento não está com você."), code="not_owner")
    outbound_text_check(conversation, text)
    conversation = Conversation.objects.select_related("channel").get(pk=conversation.pk)
    user = actor_user(actor)
    if (
        text
        and text.strip()
        and user is not None
        and routing.team_id
        and team_settings(routing.team_id).agent_name_on_messages
    ):
        text = with_agent_name(conversation.channel.type, agent_name(user), text.strip())
    return message_send(actor=actor, conversation=conversation, text=text, media=media)

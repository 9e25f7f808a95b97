"""Writes the portal makes: the internal chat (6.5.58.10, 6.5.62) and a conversation an agent
starts with a registered contact (6.5.58.11), composed of desk's and routing's services."""

from __future__ import annotations

from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from channels.models import Channel, ChannelType
from desk.events import Audience, publish_on_commit
from desk.models import Contact, ContactIdentity, Conversation
from desk.models.conversations import OPEN_STATUSES
from desk.services.conversations import conversation_for_inbound
from desk.services.outbound import TemplateSpec, message_send
from portal.errors import ChatRefused, StartRefused
from portal.models import MAX_CHAT_TEXT, InternalMessage
from routing.models import ConversationRouting, EventKind, RoutingState, TeamMembership
from routing.services.events import conversation_sync, event_record
from routing.services.replies import agent_message_send
from routing.services.teams import team_serves_channel
from security.actors import Actor
from security.audit import audit_record

CHAT_EVENT = "chat.message"
# The live event carries the beginning of the text, for the browser notification.
PREVIEW_LENGTH = 120


def internal_message_send(
    *, actor: Actor, sender: User, recipient: User, text: str, now: datetime | None = None
) -> InternalMessage:
    """One message from `sender` to `recipient`, pushed live to both of them (and to no one
    else: supervisors do not read their colleagues' private chat)."""
    text = (text or "").strip()
    if not text:
        raise ChatRefused(_("Escreva a mensagem."), code="empty")
    if len(text) > MAX_CHAT_TEXT:
        raise ChatRefused(
            _("A mensagem passa de %(limit)s caracteres.") % {"limit": MAX_CHAT_TEXT},
            code="too_long",
        )
    if recipient.pk == sender.pk:
        raise ChatRefused(_("Escolha outra pessoa para conversar."), code="self")
    if not recipient.is_active:
        raise ChatRefused(_("Este usuário está desativado."), code="inactive")
    with transaction.atomic():
        message = InternalMessage.objects.create(
            sender=sender, recipient=recipient, text=text, created_at=now or timezone.now()
        )
        # The text stays out of the audit trail: it is a private conversation between colleagues.
        audit_record(
            actor=actor,
            action="internal_chat.send",
            target=message,
            after={"sender": sender.pk, "recipient": recipient.pk, "length": len(text)},
        )
        publish_on_commit(
            CHAT_EVENT,
            {
                "id": message.pk,
                "sender_id": sender.pk,
                "sender_name": sender.full_name,
                "recipient_id": recipient.pk,
                "text": text[:PREVIEW_LENGTH],
            },
            Audience(users=[recipient.pk, sender.pk], roles=()),
        )
    return message


def internal_thread_mark_read(*, reader: User, other: User, now: datetime | None = None) -> int:
    """Marks what `other` wrote to `reader` as read (the reader opened the conversation)."""
    return InternalMessage.objects.filter(
        sender=other, recipient=reader, read_at__isnull=True
    ).update(read_at=now or timezone.now())


def _start_team(agent: User, identity: ContactIdentity) -> int | None:
    """The team the started conversation belongs to: one of the agent's teams that serves the
    channel (a logged-in one first), else the channel's default team."""
    memberships = TeamMembership.objects.filter(user=agent).order_by("-is_logged_in", "team_id")
    for team_id in memberships.values_list("team_id", flat=True):
        if team_serves_channel(team_id, identity.channel_id):
            return int(team_id)
    return identity.channel.default_team_id


def start_identity(*, contact: Contact, channel: Channel, now: datetime) -> ContactIdentity:
    """The contact's identity on the channel; on WhatsApp a registered phone is enough (the
    WhatsApp id is the number's digits), so a contact imported with a phone can be reached."""
    identity = ContactIdentity.objects.filter(contact=contact, channel=channel).first()
    if identity is not None:
        return identity
    digits = "".join(character for character in contact.phone if character.isdigit())
    if channel.type != ChannelType.WHATSAPP or not digits:
        raise StartRefused(_("Este contato não tem endereço neste canal."), code="no_address")
    taken = ContactIdentity.objects.filter(channel=channel, external_id=digits).first()
    if taken is not None:
        raise StartRefused(
            _("Este número pertence a outro contato neste canal."), code="number_taken"
        )
    return ContactIdentity.objects.create(
        contact=contact, channel=channel, external_id=digits, created_at=now
    )


def conversation_start(
    *,
    actor: Actor,
    agent: User,
    contact: Contact,
    channel: Channel,
    text: str = "",
    template: TemplateSpec | None = None,
    now: datetime | None = None,
) -> Conversation:
    """6.5.58.11: an agent opens a conversation with a registered contact on one of the
    contact's channels, already theirs, and sends the first message. Inside the 24-hour window
    that is free text; outside it WhatsApp needs an approved template, and desk's outbound
    service refuses anything else before it is queued. A refusal rolls everything back: no
    conversation is left without its first message."""
    if template is not None and text.strip():
        raise StartRefused(
            _("Envie a mensagem ou o modelo aprovado, não os dois."), code="text_and_template"
        )
    now = now or timezone.now()
    with transaction.atomic():
        identity = start_identity(contact=contact, channel=channel, now=now)
        identity = (
            ContactIdentity.objects.select_for_update()
            .select_related("channel")
            .get(pk=identity.pk)
        )
        open_one = (
            Conversation.objects.filter(identity=identity, status__in=OPEN_STATUSES)
            .order_by("-opened_at")
            .first()
        )
        if open_one is not None:
            raise StartRefused(
                _("Este contato já tem um atendimento aberto neste canal (protocolo %(p)s).")
                % {"p": open_one.protocol},
                code="already_open",
            )
        conversation, _created = conversation_for_inbound(
            identity=identity, channel=identity.channel, now=now
        )
        routing = ConversationRouting.objects.create(
            conversation=conversation,
            state=RoutingState.ASSIGNED,
            team_id=_start_team(agent, identity),
            agent=agent,
            last_agent=agent,
            first_queued_at=now,
            first_assigned_at=now,
            assigned_at=now,
        )
        conversation_sync(routing, at=now)
        event_record(
            routing=routing, kind=EventKind.ASSIGNED, actor=actor, at=now, reason="outbound"
        )
        audit_record(
            actor=actor,
            action="conversation.start",
            target=conversation,
            after={
                "agent": agent.pk,
                "channel": identity.channel_id,
                "template": template.name if template is not None else "",
            },
        )
        conversation.refresh_from_db()
        if template is not None:
            message_send(actor=actor, conversation=conversation, template=template)
        else:
            agent_message_send(actor=actor, conversation=conversation, text=text)
    return conversation

"""Sending a message: the rules checked before anything is queued (6.6.3.3 to 6.6.3.10).

`message_send` writes the message and its outbox row in one transaction and queues the worker
on commit; the worker (`desk.services.outbox`) calls the provider. What is decided here:

- The 24-hour session window (6.6.3.5, 6.6.3.6): open while less than 24 h have passed since
  the contact's last inbound message on that channel identity.
- Billing kind (6.6.3.7, 6.6.3.10): `session` inside the window, `template` outside it.
- WhatsApp refuses free text outside the window, so we refuse it first, with the same message
  the agent would get from WhatsApp's error 131047: use an approved template.
- Telegram and WebChat have no templates and let a business write at any time; outside the
  window such a message is an active message, billed as `template` (6.6.3.10).
- Templates and every other `template`-billed message need `billing.services.template_allowed`:
  a contract that refuses templates past its contracted volume stops them here.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import nullcontext
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from channels.models import ChannelType
from desk.errors import (
    SESSION_WINDOW_CLOSED_MESSAGE,
    TEMPLATES_NOT_ALLOWED_MESSAGE,
    MessageRefused,
)
from desk.events import Audience, publish_on_commit
from desk.models import (
    BillingKind,
    ContactIdentity,
    Conversation,
    ConversationStatus,
    Direction,
    MediaFile,
    MediaKind,
    MediaStatus,
    Message,
    MessageKind,
    MessageStatus,
    Origin,
    Outbox,
)
from desk.payloads import message_payload
from desk.queueing import outbox_queue
from desk.services.conversations import conversation_touch
from desk.services.metering import templates_allowed
from desk.tenancy import current_schema
from routing.services.words import outbound_text_check
from security.actors import Actor
from security.audit import audit_record

SESSION_WINDOW = timedelta(hours=24)
StrOrPromise = str | Promise
MAX_TEXT_LENGTH = 4096
_NO_CAPTION_KINDS = frozenset({MediaKind.AUDIO, MediaKind.STICKER})


@dataclass(frozen=True)
class TemplateSpec:
    """An approved WhatsApp template (HSM) and its variables, as Meta's `template` object."""

    name: str
    language: str = "pt_BR"
    components: Sequence[Mapping[str, Any]] = field(default_factory=tuple)


def session_window_closes_at(identity: ContactIdentity) -> datetime | None:
    if identity.last_inbound_at is None:
        return None
    return identity.last_inbound_at + SESSION_WINDOW


def session_window_open(identity: ContactIdentity, now: datetime | None = None) -> bool:
    closes_at = session_window_closes_at(identity)
    return closes_at is not None and (now or timezone.now()) < closes_at


def _refuse(message: StrOrPromise, code: str, field_name: str | None = None) -> MessageRefused:
    return MessageRefused(str(message), code=code, field=field_name)


def _origin_for(actor: Actor) -> str:
    if actor.user_id is None:
        return Origin.SYSTEM
    is_admin = User.objects.filter(pk=actor.user_id, groups__name=Role.ADMIN.value).exists()
    return Origin.ADMIN if is_admin else Origin.AGENT


def _sender_name(actor: Actor) -> str:
    if actor.user_id is None:
        return actor.label[:200]
    name = User.objects.filter(pk=actor.user_id).values_list("full_name", flat=True).first()
    return (name or actor.label)[:200]


def _check_content(
    text: str | None, media: MediaFile | None, template: TemplateSpec | None
) -> None:
    if template is not None:
        if text or media is not None:
            raise _refuse(
                _("Um modelo (template) é enviado sozinho, sem texto ou anexo."), "template_alone"
            )
        if not template.name.strip():
            raise _refuse(_("Informe o nome do modelo (template)."), "template_name", "template")
        return
    if not text and media is None:
        raise _refuse(_("Escreva uma mensagem ou anexe um arquivo."), "empty", "text")
    if text and len(text) > MAX_TEXT_LENGTH:
        raise _refuse(
            _("A mensagem passa de %(limit)s caracteres.") % {"limit": MAX_TEXT_LENGTH},
            "text_too_long",
            "text",
        )
    if media is not None and text and media.kind in _NO_CAPTION_KINDS:
        raise _refuse(_("Áudios e figurinhas não levam legenda."), "caption_not_allowed", "text")


def message_send(
    *,
    actor: Actor,
    conversation: Conversation,
    text: str | None = None,
    media: MediaFile | None = None,
    template: TemplateSpec | None = None,
    origin: str | None = None,
    reply_to_provider_id: str = "",
    after_close: bool = False,
) -> Message:
    """Queues one outbound message on the conversation; `MessageRefused` (nothing written) when
    a rule forbids it. `origin` defaults from the actor: system without a user, admin for a
    tenant administrator, agent otherwise; flows pass `Origin.BOT`.

    A closed conversation takes no message, except with `after_close`: the satisfaction survey
    (6.5.32) talks to the citizen after the close (the thank-you for their score). Only the
    system may pass it, with `origin=Origin.SYSTEM` and text; anything else is a bug."""
    if after_close and (actor.user_id is not None or origin != Origin.SYSTEM or not text):
        raise ValueError("after_close is for the system's survey texts only")
    text = text if text and text.strip() else None
    _check_content(text, media, template)
    if actor.user_id is not None and origin not in (Origin.SYSTEM, Origin.BOT):
        # 6.5.55: a person's words are checked against the blocked list; BlockedWordsRefused
        # (a MessageRefused, code "blocked_words") names them and nothing is written.
        outbound_text_check(conversation, text)
    now = timezone.now()
    schema = current_schema()
    # Inside the caller's transaction (the pipeline's notices) no block, and so no savepoint,
    # of its own: every refusal is raised before the first write, so there is nothing to undo
    # and the caller's transaction stays usable; any other error propagates and the caller's
    # transaction rolls back as a whole. Saves two round trips per notice.
    nested = transaction.get_connection().in_atomic_block
    with nullcontext() if nested else transaction.atomic():
        conversation = Conversation.objects.select_related("identity", "channel").get(
            pk=conversation.pk
        )
        channel = conversation.channel
        if conversation.status == ConversationStatus.CLOSED and not after_close:
            raise _refuse(_("Este atendimento está encerrado."), "conversation_closed")
        if not channel.is_active:
            raise _refuse(_("O canal deste atendimento está desativado."), "channel_inactive")
        within_window = session_window_open(conversation.identity, now)
        if template is not None:
            if channel.type != ChannelType.WHATSAPP:
                raise _refuse(
                    _("Este canal não usa modelos (templates): envie uma mensagem de texto."),
                    "template_not_supported",
                    "template",
                )
            if not templates_allowed():
                raise _refuse(TEMPLATES_NOT_ALLOWED_MESSAGE, "templates_not_allowed", "template")
        elif not within_window:
            if channel.type == ChannelType.WHATSAPP:
                raise _refuse(SESSION_WINDOW_CLOSED_MESSAGE, "session_window_closed", "text")
            if not templates_allowed():
                raise _refuse(TEMPLATES_NOT_ALLOWED_MESSAGE, "templates_not_allowed", "text")

        payload: dict[str, Any] = {}
        if template is not None:
            kind = MessageKind.TEMPLATE
            payload["template"] = {
                "name": template.name.strip(),
                "language": template.language,
                "components": [dict(component) for component in template.components],
            }
        elif media is not None:
            kind = MessageKind(media.kind)
        else:
            kind = MessageKind.TEXT
        message = Message.objects.create(
            conversation=conversation,
            channel=channel,
            direction=Direction.OUTBOUND,
            kind=kind,
            text=text or "",
            payload=payload,
            media=media,
            media_status=MediaStatus.STORED if media is not None else MediaStatus.NONE,
            reply_to_provider_id=reply_to_provider_id,
            status=MessageStatus.QUEUED,
            sender_user_id=actor.user_id,
            sender_name=_sender_name(actor),
            origin=origin or _origin_for(actor),
            billing_kind=BillingKind.SESSION if within_window else BillingKind.TEMPLATE,
            template_name=template.name.strip() if template is not None else "",
            created_at=now,
        )
        outbox = Outbox.objects.create(message=message, next_attempt_at=now, created_at=now)
        conversation_touch(conversation, now)
        if actor.via in ("web", "api"):
            # People and tokens are audited; the message itself is not copied into the trail.
            audit_record(
                actor=actor,
                action="message.send",
                target=message,
                object_repr=conversation.protocol,
                after={
                    "conversation": conversation.protocol,
                    "kind": message.kind,
                    "billing_kind": message.billing_kind,
                    "template": message.template_name,
                },
            )
        transaction.on_commit(partial(outbox_queue, outbox.pk, schema))
        publish_on_commit(
            "message.created",
            message_payload(message),
            Audience(teams=[conversation.team_id] if conversation.team_id else []),
        )
    return message

"""Delivery statuses, applied so that arrival order never matters.

Providers do not promise order: a `read` may come before its `delivered`, a retried `sent`
after both. Every status is kept in `MessageEvent` (once per message and status); the message
shows the furthest status reached:

- `queued` < `sent` < `delivered` < `read`: a status moves the message only forward;
- `failed` applies only to a message not yet known to have arrived (queued or sent), and then
  sticks against a later `sent`, which proves nothing;
- a `delivered` or `read` after `failed` wins: the citizen's phone reporting the message proves
  the failure report wrong (Meta does send `failed` for a message that later shows as read,
  e.g. after a transient 131000). The failure stays in the history.

Each status also fills its own timestamp (a late `delivered` still records when it was
delivered) and WhatsApp's `pricing` object is kept from the last status that carries one.
The resulting status and timestamps do not depend on arrival order (tested on every
permutation).
"""

from __future__ import annotations

from datetime import datetime

from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel
from channels.providers.base import StatusUpdate
from channels.providers.errors import (
    ProviderError,
    RateLimited,
    RecipientUnavailable,
)
from desk.errors import SESSION_WINDOW_CLOSED_MESSAGE
from desk.events import Audience, publish_on_commit
from desk.models import Direction, Message, MessageEvent, MessageStatus
from desk.services.locks import lock_provider_message

_RANK = {
    MessageStatus.QUEUED: 0,
    MessageStatus.SENT: 1,
    MessageStatus.DELIVERED: 2,
    MessageStatus.READ: 3,
}
_TIMESTAMP_FIELD = {
    MessageStatus.SENT: "sent_at",
    MessageStatus.DELIVERED: "delivered_at",
    MessageStatus.READ: "read_at",
    MessageStatus.FAILED: "failed_at",
}
_RECIPIENT_CODES = frozenset({"131021", "131026", "131030"})
_RATE_CODES = frozenset({"4", "80007", "130429", "131048", "131056"})


def status_moves(current: str, new: str) -> bool:
    """Whether a message at `current` moves to `new` (see the module docstring)."""
    if new == MessageStatus.FAILED:
        return current in (MessageStatus.QUEUED, MessageStatus.SENT)
    if current == MessageStatus.FAILED:
        return new in (MessageStatus.DELIVERED, MessageStatus.READ)
    if current not in _RANK or new not in _RANK:
        return False
    return _RANK[MessageStatus(new)] > _RANK[MessageStatus(current)]


def failure_message(code: str, title: str = "") -> str:
    """What the agent reads for a provider's failure code (the provider's words stay beside)."""
    if code == "131047":
        return str(SESSION_WINDOW_CLOSED_MESSAGE)
    if code in _RECIPIENT_CODES:
        return str(RecipientUnavailable.user_message)
    if code in _RATE_CODES:
        return str(RateLimited.user_message)
    if title:
        return _("O provedor não entregou a mensagem: %(reason)s") % {"reason": title}
    return str(ProviderError.user_message)


def _apply(message: Message, event: MessageEvent) -> list[str]:
    """Applies one recorded status to the message in memory; returns the fields changed."""
    changed: list[str] = []
    stamp_field = _TIMESTAMP_FIELD.get(MessageStatus(event.status))
    if stamp_field and getattr(message, stamp_field) is None:
        setattr(message, stamp_field, event.occurred_at)
        changed.append(stamp_field)
    if event.pricing:
        message.pricing = dict(event.pricing)
        changed.append("pricing")
    if status_moves(message.status, event.status):
        was_failed = message.status == MessageStatus.FAILED
        message.status = event.status
        changed.append("status")
        if event.status == MessageStatus.FAILED:
            message.error_code = event.error_code
            message.error_title = event.error_title[:255]
            message.error_detail = event.error_detail
            message.error_message = failure_message(event.error_code, event.error_title)[:500]
            changed += ["error_code", "error_title", "error_detail", "error_message"]
        elif was_failed:
            message.error_code = message.error_title = message.error_detail = ""
            message.error_message = ""
            changed += ["error_code", "error_title", "error_detail", "error_message"]
        event.applied = True
    return changed


def _publish_status(message: Message) -> None:
    team_id = message.conversation.team_id if message.conversation_id else None
    publish_on_commit(
        "message.status",
        {
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "status": message.status,
            "error_code": message.error_code,
            "error_message": message.error_message,
        },
        Audience(teams=[team_id] if team_id else []),
    )


def status_apply(*, channel: Channel, update: StatusUpdate, now: datetime | None = None) -> bool:
    """Records one provider status and moves the message if it should; True when it moved.

    A status for a message we have not stored yet (the webhook beat the outbox's commit) is
    kept as an orphan, adopted by `orphans_adopt` when the outbox stores the provider's id.
    """
    now = now or timezone.now()
    lock_provider_message(channel.pk, update.provider_message_id)
    existing = MessageEvent.objects.filter(
        channel=channel, provider_message_id=update.provider_message_id, status=update.status
    ).exists()
    if existing:
        return False
    message = (
        Message.objects.select_for_update(of=("self",))
        .select_related("conversation")
        .filter(
            channel=channel,
            provider_message_id=update.provider_message_id,
            direction=Direction.OUTBOUND,
        )
        .first()
    )
    event = MessageEvent(
        message=message,
        channel=channel,
        provider_message_id=update.provider_message_id,
        status=update.status,
        occurred_at=update.timestamp,
        recorded_at=now,
        error_code=update.error_code or "",
        error_title=(update.error_title or "")[:255],
        error_detail=update.error_detail or "",
        pricing=dict(update.pricing) if update.pricing else None,
    )
    if message is None:
        event.save()
        return False
    changed = _apply(message, event)
    event.save()
    if changed:
        message.save(update_fields=sorted(set(changed)))
    if event.applied:
        _publish_status(message)
    return event.applied


def orphans_adopt(message: Message) -> bool:
    """Applies statuses that arrived before the message had its provider id; True if any moved
    it. The caller holds `lock_provider_message` for the message's provider id."""
    orphans = list(
        MessageEvent.objects.filter(
            channel_id=message.channel_id,
            provider_message_id=message.provider_message_id,
            message__isnull=True,
        ).order_by("occurred_at", "id")
    )
    changed: list[str] = []
    moved = False
    for event in orphans:
        changed += _apply(message, event)
        event.message = message
        event.save(update_fields=["message", "applied"])
        moved = moved or event.applied
    if changed:
        message.save(update_fields=sorted(set(changed)))
    return moved

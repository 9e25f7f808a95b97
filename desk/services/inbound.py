"""Processing one stored webhook event, inside its tenant's schema, exactly once.

One transaction does everything for the event: lock the inbox row (`FOR UPDATE SKIP LOCKED`:
a second worker handed the same event skips it instead of waiting), parse it with the channel's
adapter, and for each message upsert contact and identity, open or extend the conversation,
store the message, extend the 24-hour window, meter it, queue the conversation in its team, and
mark the inbox row processed. Live events, media downloads and the protocol notice's send are
queued with `on_commit`, so nothing leaves the transaction unless it commits.

Why a crash or a retry cannot double anything:
- a worker killed mid-transaction commits nothing; the event stays `received` and the redelivered
  task (acks_late) or the sweeper runs it again from scratch;
- a finished event is `processed`, and the lock query only picks `received`/`failed` events;
- the same provider message in two different events (a provider resending it in another batch)
  is found by its unique (channel, provider message id) and skipped before anything is created;
- metering is idempotent on (tenant, message key, kind) and commits with the message.

Concurrency for one citizen (two first messages at once) is serialized by an advisory lock on
(channel, sender id), taken before the identity look-up; the unique constraints back it up.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import asdict
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.intake.models import InboxEvent, InboxStatus
from channels.models import Channel
from channels.providers.base import InboundMessage, ProviderAdapter
from channels.providers.errors import MalformedPayload
from channels.providers.registry import get_adapter
from desk.errors import MessageRefused, PermanentProcessingError
from desk.events import Audience, publish_on_commit
from desk.models import (
    BillingKind,
    Conversation,
    Direction,
    MediaStatus,
    Message,
    MessageKind,
    MessageStatus,
    Origin,
)
from desk.payloads import conversation_payload, message_payload
from desk.queueing import media_queue
from desk.services.contacts import identity_for_inbound
from desk.services.conversations import conversation_for_inbound, conversation_touch
from desk.services.locks import lock_sender
from desk.services.metering import meter_inbound
from desk.services.outbound import message_send
from desk.services.search_path import search_path_pinned
from desk.services.statuses import status_apply
from desk.tenancy import current_schema
from privacy.services import consent_keyword_handle
from routing.services import inbound_received, survey_answer_conversation
from security.actors import Actor

logger = logging.getLogger("desk.inbound")

AdapterFactory = Callable[[str], ProviderAdapter[Any]]
_PENDING = (InboxStatus.RECEIVED, InboxStatus.FAILED)


def protocol_notice_text(conversation: Conversation) -> str:
    return _(
        "Olá! Recebemos sua mensagem. O número do seu protocolo de atendimento é %(protocol)s."
    ) % {"protocol": conversation.protocol}


def _payload(inbound: InboundMessage) -> dict[str, Any]:
    """The structured part of a message, as JSON (the text goes in its own column)."""
    payload: dict[str, Any] = {}
    if inbound.media is not None:
        payload["media"] = asdict(inbound.media)
    if inbound.location is not None:
        payload["location"] = asdict(inbound.location)
    if inbound.contacts:
        payload["contacts"] = [asdict(contact) for contact in inbound.contacts]
    if inbound.interactive is not None:
        payload["interactive"] = asdict(inbound.interactive)
    if inbound.reaction is not None:
        payload["reaction"] = asdict(inbound.reaction)
    if inbound.forwarded:
        payload["forwarded"] = True
    return payload


def inbound_message_store(
    *, channel: Channel, inbound: InboundMessage, event: InboxEvent, now: datetime
) -> Message | None:
    """Stores one citizen message with everything it implies; None when it was already stored.

    Runs inside the event's transaction. `now` is the server clock of this processing run;
    the window anchor is the message's own time, capped by when we received it.
    """
    lock_sender(channel.pk, inbound.sender_id)
    if Message.objects.filter(
        channel=channel, provider_message_id=inbound.provider_message_id
    ).exists():
        return None
    # 6.6.3.6: 24 h from the citizen's last message. The provider's timestamp is when they sent
    # it; a provider clock ahead of ours must not stretch the window, so cap it.
    anchor = min(inbound.timestamp, event.received_at)
    identity, identity_created = identity_for_inbound(
        channel=channel,
        external_id=inbound.sender_id,
        name=inbound.sender_name,
        phone=inbound.sender_phone,
        now=now,
        last_inbound_at=anchor,
    )
    # A new identity is created with the window open from `anchor`; an existing one had it
    # extended (never moved back) by the statement that found it.
    # 6.5.32: a score answering a pending survey goes to the surveyed (closed) conversation.
    surveyed = survey_answer_conversation(identity=identity, text=inbound.text, now=now)
    if surveyed is not None:
        conversation, conversation_created = surveyed, False
    else:
        conversation, conversation_created = conversation_for_inbound(
            identity=identity,
            channel=channel,
            now=now,
            identity_created=identity_created,
            touch=True,  # an existing conversation comes back with last_message_at = now
        )
    message = Message.objects.create(
        conversation=conversation,
        channel=channel,
        direction=Direction.INBOUND,
        kind=MessageKind(inbound.kind.value),
        text=inbound.text or "",
        payload=_payload(inbound),
        media_status=MediaStatus.PENDING if inbound.media is not None else MediaStatus.NONE,
        provider_message_id=inbound.provider_message_id,
        reply_to_provider_id=inbound.reply_to or "",
        status=MessageStatus.RECEIVED,
        sender_contact_id=identity.contact_id,
        sender_name=(inbound.sender_name or identity.contact.name)[:200],
        origin=Origin.CONTACT,
        billing_kind=BillingKind.SESSION,
        provider_timestamp=inbound.timestamp,
        inbox_event_id=event.pk,
        created_at=now,
    )
    if surveyed is not None:
        conversation_touch(conversation, now)
    # The receipt time is fixed at intake, so a retry meters the same month.
    meter_inbound(
        channel=channel,
        provider_message_id=inbound.provider_message_id,
        occurred_at=event.received_at,
    )
    audience = Audience(teams=[conversation.team_id] if conversation.team_id else [])
    if conversation_created:
        publish_on_commit("conversation.created", conversation_payload(conversation), audience)
    publish_on_commit("message.created", message_payload(message), audience)
    if inbound.media is not None:
        transaction.on_commit(partial(media_queue, message.pk, current_schema()))
    if surveyed is None:
        # Routing (docs/adr/0060) before the protocol notice: a start-stop word (6.5.54) closes
        # the new conversation, and the notice is then refused instead of answering "ok".
        inbound_received(conversation=conversation, message=message, created=conversation_created)
    if conversation_created and channel.protocol_notice:
        _protocol_notice(conversation)
    if inbound.text:
        # 6.5.40: a message that is a consent keyword (SAIR, VOLTAR…) changes it and is confirmed.
        consent_keyword_handle(contact=identity.contact, channel=channel, text=inbound.text)
    return message


def _protocol_notice(conversation: Conversation) -> None:
    """Tells the citizen the protocol number (6.5.30). Never blocks the message it follows: a
    message delivered by the provider long after it was written may find the window closed."""
    try:
        message_send(
            actor=Actor.system("protocolo"),
            conversation=conversation,
            text=protocol_notice_text(conversation),
            origin=Origin.SYSTEM,
        )
    except MessageRefused as refused:
        logger.info(
            "protocol notice not sent",
            extra={"conversation_id": conversation.pk, "code": refused.code},
        )


def _process(event: InboxEvent, now: datetime, adapter_factory: AdapterFactory) -> str:
    channel = Channel.objects.filter(pk=event.channel_id).first() or (
        # The intake may have routed with a cached entry of a channel re-created seconds ago.
        Channel.objects.filter(type=event.provider, account_id=event.account_id).first()
    )
    if channel is None:
        raise PermanentProcessingError(f"channel {event.channel_id} does not exist")
    adapter = adapter_factory(channel.type)
    try:
        parsed = adapter.parse(bytes(event.body), account_id=event.account_id)
    except MalformedPayload as error:
        raise PermanentProcessingError(f"malformed payload: {error}") from error
    handled = 0
    for inbound in parsed.messages:
        if inbound.account_id != channel.account_id:
            continue  # a batch addressed to several numbers: the others have their own event
        inbound_message_store(channel=channel, inbound=inbound, event=event, now=now)
        handled += 1
    for update in parsed.statuses:
        if update.account_id != channel.account_id:
            continue
        status_apply(channel=channel, update=update, now=now)
        handled += 1
    unknown = sorted({item.event_type for item in parsed.unknown})
    event.status = InboxStatus.UNKNOWN if unknown and not handled else InboxStatus.PROCESSED
    event.unknown_types = unknown
    event.processed_at = now
    event.attempts = F("attempts") + 1
    event.next_attempt_at = None
    event.last_error = ""
    event.save(
        update_fields=[
            "status",
            "unknown_types",
            "processed_at",
            "attempts",
            "next_attempt_at",
            "last_error",
        ]
    )
    return str(event.status)


def _inbox_backoff(attempts: int) -> timedelta:
    return timedelta(seconds=min(3600, 5 * 2 ** max(attempts - 1, 0)))


def _record_failure(event_id: int, error: Exception, *, permanent: bool) -> None:
    """After the processing transaction rolled back: count the attempt, keep the reason, and
    schedule the sweeper's next try (none for a permanent failure)."""
    now = timezone.now()
    with transaction.atomic():
        event = (
            InboxEvent.objects.select_for_update(of=("self",))
            .filter(pk=event_id, status__in=_PENDING)
            .first()
        )
        if event is None:
            return
        attempts = event.attempts + 1
        exhausted = attempts >= int(settings.INBOX_MAX_ATTEMPTS)
        event.status = InboxStatus.FAILED
        event.attempts = attempts
        event.last_error = f"{type(error).__name__}: {error}"[:4000]
        event.next_attempt_at = None if permanent or exhausted else now + _inbox_backoff(attempts)
        event.save(update_fields=["status", "attempts", "last_error", "next_attempt_at"])


def inbox_event_process(event_id: int, *, adapter_factory: AdapterFactory = get_adapter) -> str:
    """Processes one inbox event in the current tenant schema. Returns `processed`, `unknown`,
    `skipped` (already done, or being done by another worker) or `failed`."""
    schema = current_schema()
    now = timezone.now()
    try:
        with transaction.atomic(), search_path_pinned():
            event = (
                InboxEvent.objects.select_for_update(skip_locked=True, of=("self",))
                .filter(pk=event_id, tenant__schema_name=schema, status__in=_PENDING)
                .first()
            )
            if event is None:
                return "skipped"
            return _process(event, now, adapter_factory)
    except PermanentProcessingError as error:
        logger.error("inbox event cannot be processed", extra={"event_id": event_id})
        _record_failure(event_id, error, permanent=True)
        return "failed"
    except Exception as error:
        logger.exception("inbox event processing failed", extra={"event_id": event_id})
        _record_failure(event_id, error, permanent=False)
        return "failed"

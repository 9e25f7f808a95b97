"""The worker side of sending: claim an outbox row, call the provider, record the outcome.

1. Claim: one `UPDATE ... WHERE not done AND due AND lease free` sets `locked_until` (a lease
   longer than any provider call can take) and a fresh `lease_token`, committed before the
   call. Two workers handed the same row (a duplicated task, the sweeper) cannot both win.
2. Call the provider outside any transaction (no row locks held across the network).
3. Record, in one transaction: the provider's message id, `done_at`, the usage record, and the
   statuses that raced ahead of us (orphans). Or, for a retryable error (rate limits such as
   WhatsApp 130429 or Telegram 429, 5xx, timeouts): release the lease with `next_attempt_at`
   pushed back (the provider's `retry_after` when given, else exponential backoff) and queue
   the task again with that countdown. Or, for a permanent error: the message becomes `failed`
   with the provider's code, title and detail, and the agent's message (131047 gives the same
   "use a template" text as our own refusal).

A worker killed between the provider's answer and step 3 leaves the row leased; when the lease
expires the sweeper re-queues it and the message is sent again. No provider we use offers an
idempotency key, so this one window is at-least-once; everything else is exactly-once.
"""

from __future__ import annotations

import logging
import uuid
from collections.abc import Callable
from datetime import datetime, timedelta
from functools import partial
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.credentials import provider_credentials
from channels.errors import ChannelError
from channels.models import ChannelType
from channels.providers.base import (
    MessageKind as ProviderKind,
)
from channels.providers.base import (
    OutboundMedia,
    OutboundMessage,
    OutboundTemplate,
    OutboundText,
    ProviderAdapter,
    SendResult,
)
from channels.providers.errors import ProviderError
from channels.providers.registry import get_adapter
from desk.events import Audience, publish_on_commit
from desk.models import Message, MessageKind, MessageStatus, Outbox
from desk.queueing import outbox_queue
from desk.services.locks import lock_provider_message
from desk.services.media import media_public_url
from desk.services.metering import meter_outbound
from desk.services.search_path import search_path_pinned
from desk.services.statuses import orphans_adopt, status_moves
from desk.tenancy import current_schema

logger = logging.getLogger("desk.outbox")

# Rows whose own task should have run by now; younger ones are left to that task.
SWEEP_GRACE = timedelta(seconds=30)

AdapterFactory = Callable[[str], ProviderAdapter[Any]]


def backoff_seconds(attempts: int, retry_after: float | None = None) -> float:
    """Exponential backoff after the `attempts`-th failed try, never sooner than the provider
    asked (`retry_after`). Deterministic, so tests can assert it."""
    base = float(settings.OUTBOX_BACKOFF_BASE_SECONDS)
    ceiling = float(settings.OUTBOX_BACKOFF_MAX_SECONDS)
    delay = min(ceiling, base * (2 ** max(attempts - 1, 0)))
    if retry_after is not None:
        delay = max(delay, float(retry_after))
    return delay


def outbound_for(message: Message) -> OutboundMessage:
    """The provider-neutral form of a stored outbound message."""
    reply_to = message.reply_to_provider_id or None
    if message.kind == MessageKind.TEMPLATE:
        template = message.payload.get("template") or {}
        return OutboundTemplate(
            name=str(template.get("name") or message.template_name),
            language=str(template.get("language") or "pt_BR"),
            components=tuple(template.get("components") or ()),
        )
    if message.media_id is not None and message.media is not None:
        media = message.media
        return OutboundMedia(
            kind=ProviderKind(media.kind),
            link=media_public_url(media),
            caption=message.text or None,
            filename=media.original_name or None,
            mime_type=media.mime_type,
            reply_to=reply_to,
        )
    return OutboundText(body=message.text, reply_to=reply_to)


def _claim(outbox_id: int, now: datetime) -> uuid.UUID | None:
    token = uuid.uuid4()
    claimed = (
        Outbox.objects.filter(pk=outbox_id, done_at__isnull=True, next_attempt_at__lte=now)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .update(
            locked_until=now + timedelta(seconds=int(settings.OUTBOX_LEASE_SECONDS)),
            lease_token=token,
            attempts=F("attempts") + 1,
        )
    )
    return token if claimed else None


def _audience(message: Message) -> Audience:
    team_id = message.conversation.team_id
    return Audience(teams=[team_id] if team_id else [])


def _succeed(outbox: Outbox, result: SendResult, *, receipts: bool) -> str:
    message = outbox.message
    channel = message.channel
    now = timezone.now()
    with transaction.atomic(), search_path_pinned():
        lock_provider_message(channel.pk, result.provider_message_id)
        row = Outbox.objects.select_for_update().filter(pk=outbox.pk, done_at__isnull=True).first()
        if row is None:
            # Our lease expired mid-call and another worker finished first: the provider now
            # has the message twice. Keep the first outcome; say so loudly.
            logger.error(
                "outbox row finished by another worker after our send",
                extra={"outbox_id": outbox.pk, "provider_message_id": result.provider_message_id},
            )
            return "duplicate"
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation__identity", "channel")
            .get(pk=message.pk)
        )
        message.provider_message_id = result.provider_message_id
        message.accepted_at = now
        fields = ["provider_message_id", "accepted_at"]
        if not receipts and status_moves(message.status, MessageStatus.SENT):
            # Telegram and WebChat send no receipts: an accepted send is the last word.
            message.status = MessageStatus.SENT
            message.sent_at = now
            fields += ["status", "sent_at"]
        message.save(update_fields=fields)
        orphans_adopt(message)
        meter_outbound(channel=channel, message=message)
        Outbox.objects.filter(pk=outbox.pk).update(
            done_at=now, locked_until=None, lease_token=None, last_error=""
        )
        publish_on_commit(
            "message.status",
            {
                "message_id": message.pk,
                "conversation_id": message.conversation_id,
                "status": message.status,
                "provider_message_id": message.provider_message_id,
            },
            _audience(message),
        )
        if channel.type == ChannelType.WEBCHAT:
            publish_on_commit(
                "webchat.message",
                dict(result.raw),
                Audience(
                    roles=(),
                    webchat={
                        "channel_key": channel.account_id,
                        "visitor_id": message.conversation.identity.external_id,
                    },
                ),
            )
    return "sent"


def _retry(outbox: Outbox, token: uuid.UUID, error: ProviderError) -> str:
    now = timezone.now()
    delay = backoff_seconds(outbox.attempts, error.retry_after)
    schema = current_schema()
    with transaction.atomic():
        released = Outbox.objects.filter(
            pk=outbox.pk, lease_token=token, done_at__isnull=True
        ).update(
            next_attempt_at=now + timedelta(seconds=delay),
            locked_until=None,
            lease_token=None,
            last_error=f"{error.code}: {error.title}"[:2000],
        )
        if released:
            transaction.on_commit(partial(outbox_queue, outbox.pk, schema, delay))
    logger.info(
        "outbox send will be retried",
        extra={"outbox_id": outbox.pk, "code": error.code, "delay_seconds": delay},
    )
    return "retry"


def _fail(outbox: Outbox, *, code: str, title: str, detail: str, user_message: str) -> str:
    now = timezone.now()
    with transaction.atomic():
        Outbox.objects.filter(pk=outbox.pk, done_at__isnull=True).update(
            done_at=now, locked_until=None, lease_token=None, last_error=f"{code}: {title}"[:2000]
        )
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation")
            .get(pk=outbox.message_id)
        )
        if status_moves(message.status, MessageStatus.FAILED):
            message.status = MessageStatus.FAILED
            message.failed_at = now
            message.error_code = code[:64]
            message.error_title = title[:255]
            message.error_detail = detail
            message.error_message = user_message[:500]
            message.save(
                update_fields=[
                    "status",
                    "failed_at",
                    "error_code",
                    "error_title",
                    "error_detail",
                    "error_message",
                ]
            )
        publish_on_commit(
            "message.status",
            {
                "message_id": message.pk,
                "conversation_id": message.conversation_id,
                "status": message.status,
                "error_code": message.error_code,
                "error_message": message.error_message,
            },
            _audience(message),
        )
    return "failed"


def outbox_deliver(outbox_id: int, *, adapter_factory: AdapterFactory = get_adapter) -> str:
    """Sends one outbox row if it is due and free. Returns what happened: `sent`, `retry`,
    `failed`, `skipped` (not due, done or leased by another worker) or `duplicate`."""
    token = _claim(outbox_id, timezone.now())
    if token is None:
        return "skipped"
    outbox = Outbox.objects.select_related(
        "message__conversation__identity", "message__channel", "message__media"
    ).get(pk=outbox_id)
    message = outbox.message
    channel = message.channel
    try:
        adapter = adapter_factory(channel.type)
        credentials = provider_credentials(channel)
        result = adapter.send(
            credentials, message.conversation.identity.external_id, outbound_for(message)
        )
    except ProviderError as error:
        if error.retryable and outbox.attempts < int(settings.OUTBOX_MAX_ATTEMPTS):
            return _retry(outbox, token, error)
        return _fail(
            outbox,
            code=error.code,
            title=error.title,
            detail=error.detail,
            user_message=str(error.user_message),
        )
    except ChannelError as error:
        return _fail(
            outbox,
            code="channel_config",
            title=error.message,
            detail="",
            user_message=error.message,
        )
    except (ValueError, TypeError) as error:
        # The message cannot be expressed on this provider (e.g. a caption on a sticker).
        return _fail(
            outbox,
            code="invalid_message",
            title=str(error),
            detail="",
            user_message=_("Esta mensagem não pode ser enviada por este canal."),
        )
    except Exception as error:
        logger.exception("unexpected error sending outbox row", extra={"outbox_id": outbox_id})
        unexpected = ProviderError(
            provider=channel.type,
            code="internal_error",
            title=type(error).__name__,
            detail=str(error)[:500],
            retryable=True,
        )
        if outbox.attempts < int(settings.OUTBOX_MAX_ATTEMPTS):
            return _retry(outbox, token, unexpected)
        return _fail(
            outbox,
            code=unexpected.code,
            title=unexpected.title,
            detail=unexpected.detail,
            user_message=str(ProviderError.user_message),
        )
    return _succeed(outbox, result, receipts=adapter.supports_delivery_receipts)


def outbox_sweep(*, now: datetime | None = None, limit: int = 500) -> int:
    """Re-queues due rows whose task was lost or whose lease expired (a crashed worker), in the
    current tenant schema. Returns how many were queued."""
    now = now or timezone.now()
    due = list(
        Outbox.objects.filter(done_at__isnull=True, next_attempt_at__lte=now - SWEEP_GRACE)
        .filter(Q(locked_until__isnull=True) | Q(locked_until__lt=now))
        .order_by("next_attempt_at")
        .values_list("pk", flat=True)[:limit]
    )
    schema = current_schema()
    for outbox_id in due:
        outbox_queue(outbox_id, schema)
    return len(due)

from __future__ import annotations

from datetime import datetime

from django.db import connection
from django.db.models import Value
from django.db.models.functions import Greatest

from channels.models import Channel
from core.timezones import SAO_PAULO
from desk.models import ContactIdentity, Conversation, ConversationStatus
from desk.models.conversations import OPEN_STATUSES


def protocol_format(opened_at: datetime, conversation_id: int) -> str:
    """6.5.30: `YYYYMMDD-NNNNNN`, the Sao Paulo date the conversation opened and its id.

    The id comes from the tenant's own sequence (each schema has its own table), so numbers are
    unique per tenant without a counter row every new conversation would have to lock.
    """
    return f"{opened_at.astimezone(SAO_PAULO):%Y%m%d}-{conversation_id:06d}"


def _next_conversation_id() -> int:
    table = Conversation._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute("SELECT nextval(pg_get_serial_sequence(%s, 'id'))", [table])
        return int(cursor.fetchone()[0])


def _open_conversation_touched(identity: ContactIdentity, at: datetime) -> Conversation | None:
    """The identity's open conversation with `last_message_at` moved up to `at`: the look-up
    and `conversation_touch` in one statement (UPDATE ... RETURNING)."""
    table = connection.ops.quote_name(Conversation._meta.db_table)
    columns = ", ".join(
        connection.ops.quote_name(str(field.column)) for field in Conversation._meta.concrete_fields
    )
    statuses = ", ".join(["%s"] * len(OPEN_STATUSES))
    found = list(
        Conversation.objects.raw(
            f"UPDATE {table} SET last_message_at = GREATEST(last_message_at, %s)"  # noqa: S608
            f" WHERE id = (SELECT id FROM {table} WHERE identity_id = %s"
            f" AND status IN ({statuses}) ORDER BY opened_at DESC LIMIT 1)"
            f" RETURNING {columns}",
            [at, identity.pk, *OPEN_STATUSES],
        )
    )
    return found[0] if found else None


def conversation_for_inbound(
    *,
    identity: ContactIdentity,
    channel: Channel,
    now: datetime,
    identity_created: bool = False,
    touch: bool = False,
) -> tuple[Conversation, bool]:
    """The identity's open conversation, or a new one in the channel's default team queue.

    The caller holds the sender lock; the partial unique index (one queued/open conversation
    per identity) backs it up. `identity_created`: the identity was created in the caller's
    transaction, so it has no conversation to look up. `touch`: an existing conversation comes
    back already touched at `now` (no separate `conversation_touch`); a new one is created
    with `last_message_at = now`.
    """
    if identity_created:
        conversation = None
    elif touch:
        conversation = _open_conversation_touched(identity, now)
    else:
        conversation = (
            Conversation.objects.filter(identity=identity, status__in=OPEN_STATUSES)
            .order_by("-opened_at")
            .first()
        )
    if conversation is not None:
        return conversation, False
    conversation_id = _next_conversation_id()
    conversation = Conversation.objects.create(
        id=conversation_id,
        protocol=protocol_format(now, conversation_id),
        contact_id=identity.contact_id,
        identity=identity,
        channel=channel,
        # Routing proper comes later: for now every conversation waits in its channel's
        # default team queue.
        team_id=channel.default_team_id,
        status=ConversationStatus.QUEUED,
        opened_at=now,
        last_message_at=now,
    )
    return conversation, True


def conversation_touch(conversation: Conversation, at: datetime) -> None:
    Conversation.objects.filter(pk=conversation.pk).update(
        last_message_at=Greatest("last_message_at", Value(at))
    )
    if conversation.last_message_at < at:
        conversation.last_message_at = at

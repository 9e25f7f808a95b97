"""Writes to the public intake tables: the routing table, the inbox, the rejection counters.

`routing_upsert`/`routing_remove` are called only by `channels.services`, inside the same
transaction that writes the tenant's Channel row (same connection, same database), so the
routing table never points at a channel that does not exist or carries a stale secret.
"""

from __future__ import annotations

import json
from collections.abc import Mapping, Sequence
from datetime import datetime

from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.errors import ChannelError
from channels.intake.models import InboxEvent, InboxStatus, RejectedWebhook, RoutingEntry
from channels.intake.routing_cache import routing_cache_clear
from core.timezones import SAO_PAULO
from security.crypto import BlindIndex

VERIFY_TOKEN_INDEX = BlindIndex("whatsapp-verify-token")
# The status probe's own provider account (channels.intake.health): a route on the public tenant
# with no channel. Its events prove the intake stores what it verified; they are stored as
# already processed, so no worker turns them into messages or usage.
PROBE_ACCOUNT_ID = "status-probe"
PROBE_CHANNEL_ID = 0


def routing_upsert(
    *,
    tenant_id: int,
    provider: str,
    account_id: str,
    channel_id: int,
    verification_secret: str,
    secondary_account_id: str = "",
    verify_token: str = "",
    allowed_origins: Sequence[str] = (),
    is_active: bool = True,
) -> RoutingEntry:
    """Creates or updates the route of one provider account.

    A provider account can belong to one channel of one tenant only: a second municipality
    connecting the same WhatsApp number or bot would otherwise receive the first one's citizens.
    """
    with transaction.atomic():
        entry = (
            RoutingEntry.objects.select_for_update()
            .filter(provider=provider, account_id=account_id)
            .first()
        )
        if entry is not None and (entry.tenant_id != tenant_id or entry.channel_id != channel_id):
            raise ChannelError(
                _("Esta conta do provedor já está conectada a outro canal."), field="account_id"
            )
        if entry is None:
            entry = RoutingEntry(
                provider=provider,
                account_id=account_id,
                tenant_id=tenant_id,
                channel_id=channel_id,
            )
        entry.secondary_account_id = secondary_account_id
        entry.verification_secret = verification_secret
        entry.verify_token = verify_token
        entry.verify_token_index = VERIFY_TOKEN_INDEX.digest(verify_token) if verify_token else ""
        entry.allowed_origins = list(allowed_origins)
        entry.is_active = is_active
        entry.save()
        routing_cache_clear()
        transaction.on_commit(routing_cache_clear)
    return entry


def routing_remove(*, tenant_id: int, provider: str, account_id: str) -> int:
    deleted, _detail = RoutingEntry.objects.filter(
        tenant_id=tenant_id, provider=provider, account_id=account_id
    ).delete()
    routing_cache_clear()
    transaction.on_commit(routing_cache_clear)
    return deleted


def inbox_store(
    *,
    provider: str,
    event_key: str,
    tenant_id: int,
    channel_id: int,
    account_id: str,
    body: bytes,
    headers: Mapping[str, str],
    remote_ip: str | None,
    received_at: datetime | None = None,
) -> int | None:
    """Stores a verified raw event once; returns its id, or None when the key was already there.

    `INSERT ... ON CONFLICT DO NOTHING` rather than get-or-create: a provider retrying while the
    first delivery is still being stored waits on the unique index, then sees a conflict, never
    an error and never a second row.
    """
    table = connection.ops.quote_name(InboxEvent._meta.db_table)
    received_at = received_at or timezone.now()
    probe = account_id == PROBE_ACCOUNT_ID and channel_id == PROBE_CHANNEL_ID
    status = InboxStatus.PROCESSED if probe else InboxStatus.RECEIVED
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (provider, event_key, tenant_id, channel_id, account_id, body,"  # noqa: S608 - table name from the model
            " headers, remote_ip, received_at, status, attempts, last_error, unknown_types,"
            " processed_at)"
            " VALUES (%s, %s, %s, %s, %s, %s, %s, %s, %s, %s, 0, '', '[]', %s)"
            " ON CONFLICT (provider, event_key) DO NOTHING RETURNING id",
            [
                provider,
                event_key[:255],
                tenant_id,
                channel_id,
                account_id,
                body,
                json.dumps(dict(headers)),
                remote_ip,
                received_at,
                str(status),
                received_at if probe else None,
            ],
        )
        row = cursor.fetchone()
    return int(row[0]) if row else None


def rejection_record(*, provider: str, account_id: str, reason: str, remote_ip: str | None) -> None:
    """Counts one refused delivery (per day, provider, known account and reason)."""
    now = timezone.now()
    table = connection.ops.quote_name(RejectedWebhook._meta.db_table)
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (day, provider, account_id, reason, count, last_at, last_ip)"  # noqa: S608 - table name from the model
            " VALUES (%s, %s, %s, %s, 1, %s, %s)"
            " ON CONFLICT (day, provider, account_id, reason) DO UPDATE SET"
            f" count = {table}.count + 1, last_at = EXCLUDED.last_at, last_ip = EXCLUDED.last_ip",
            [now.astimezone(SAO_PAULO).date(), provider, account_id[:128], reason, now, remote_ip],
        )

"""Metering and billing services. The message pipeline calls only what this module exports.

Recording usage (the one entry point of the pipeline)
------------------------------------------------------
::

    from billing.services import usage_record

    record = usage_record(
        tenant=tenant,                   # tenants.Tenant (or its id)
        message_key="wa:wamid.HBgM…",   # stable id of the message, unique within the tenant
        kind="session",                  # "session" | "template"
        direction="outbound",            # "inbound" | "outbound"
        origin="agent",                  # "contact" | "agent" | "admin" | "system" | "bot"
        channel="whatsapp",              # channel type, [a-z0-9_.-]{1,32}
        occurred_at=message.created_at,  # aware datetime: when the message happened
        agent_id=agent.pk,               # the agent who sent it or holds the conversation, or None
        agent_name=agent.full_name,      # snapshot of the name, for reports ("" when no agent)
    )

- Returns the new `UsageRecord`, or None when (tenant, message_key, kind) was already recorded:
  a retried job or duplicated webhook is counted once. Call it for every billable message, in
  the same transaction that stores the message, from any schema context.
- `occurred_at` must be the message's own timestamp, the same on every retry (the provider's
  timestamp or the stored message's), never "now": the month it falls in (America/Sao_Paulo) is
  part of the uniqueness. A message whose month is already closed is still recorded, billed in the
  next open period as an adjustment.
- Rules checked (UsageRecordInvalid otherwise): inbound ⇒ kind "session" and origin "contact"
  (6.6.3.4); outbound ⇒ origin is not "contact".
- The unit price in force when the message happened is looked up from the tenant's contract
  inside the insert; a message with no price in force is recorded unpriced (shown, not billed).

`usage_record_bulk(events)` records many `UsageEvent`s in one statement per (tenant, month) and
returns how many were new; use it to backfill or to meter a batch.

Before sending a template, call `template_allowed(tenant)`: False when the contract refuses
templates past 100% of the contracted volume and that was reached.

Storage (6.5.47): `storage_usage_adjust(tenant=…, media_type="image", delta_bytes=+n)` when a file
is stored (negative when removed), `storage_usage_set(…, bytes_used=n)` after a recount; media
types "image", "video", "audio", "document".
"""

from __future__ import annotations

from collections.abc import Iterable
from datetime import datetime

from billing.models import UsageRecord
from billing.services.quota import quota_check, template_allowed
from billing.services.storage import storage_usage_adjust, storage_usage_set
from billing.services.usage import UsageEvent, usage_event_record, usage_events_record
from tenants.models import Tenant


def usage_record(
    *,
    tenant: Tenant | int,
    message_key: str,
    kind: str,
    direction: str,
    origin: str,
    channel: str,
    occurred_at: datetime,
    agent_id: int | None,
    agent_name: str,
) -> UsageRecord | None:
    """Meters one billable message; None when it was a duplicate. See the module docstring."""
    return usage_event_record(
        UsageEvent(
            tenant_id=tenant if isinstance(tenant, int) else tenant.pk,
            message_key=message_key,
            kind=kind,
            direction=direction,
            origin=origin,
            channel=channel,
            occurred_at=occurred_at,
            agent_id=agent_id,
            agent_name=agent_name,
        )
    )


def usage_record_bulk(events: Iterable[UsageEvent]) -> int:
    """Meters many messages; returns how many were new (duplicates are skipped)."""
    return usage_events_record(events)


__all__ = [
    "UsageEvent",
    "quota_check",
    "storage_usage_adjust",
    "storage_usage_set",
    "template_allowed",
    "usage_record",
    "usage_record_bulk",
]

"""Writing the usage ledger: the metering entry points the message pipeline calls.

See `billing.services` for the contract with the pipeline. Everything here is plain SQL on
purpose: one shared lock statement and one `INSERT … ON CONFLICT DO NOTHING` per call (or per
batch), with the unit price looked up inside the insert so that it is read after the lock, in the
same snapshot that checks the period is still open.
"""

# SQL here is assembled from module constants only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import re
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from django.db import connection, transaction

from billing.errors import UsageRecordInvalid
from billing.models import Direction, Origin, UsageKind, UsageRecord
from billing.periods import local_date, period_add, period_of
from billing.services.locks import lock_for_recording

_CHANNEL = re.compile(r"^[a-z0-9_.-]{1,32}$")
_KINDS = frozenset(UsageKind.values)
_DIRECTIONS = frozenset(Direction.values)
_ORIGINS = frozenset(Origin.values)


@dataclass(frozen=True)
class UsageEvent:
    """One billable message, as the pipeline describes it (see `usage_record`)."""

    tenant_id: int
    message_key: str
    kind: str
    direction: str
    origin: str
    channel: str
    occurred_at: datetime
    agent_id: int | None = None
    agent_name: str = ""


def usage_event_validate(event: UsageEvent) -> UsageEvent:
    """Refuses events that cannot be billed; the messages name the bad field."""
    if not event.message_key or len(event.message_key) > 200:
        raise UsageRecordInvalid("message_key must have 1 to 200 characters", field="message_key")
    if event.kind not in _KINDS:
        raise UsageRecordInvalid(f"unknown kind {event.kind!r}", field="kind")
    if event.direction not in _DIRECTIONS:
        raise UsageRecordInvalid(f"unknown direction {event.direction!r}", field="direction")
    if event.origin not in _ORIGINS:
        raise UsageRecordInvalid(f"unknown origin {event.origin!r}", field="origin")
    if event.direction == Direction.INBOUND and (
        event.kind != UsageKind.SESSION or event.origin != Origin.CONTACT
    ):
        # 6.6.3.4: everything the contact sends is a session message.
        raise UsageRecordInvalid(
            "an inbound message is always a session message from the contact", field="kind"
        )
    if event.direction == Direction.OUTBOUND and event.origin == Origin.CONTACT:
        raise UsageRecordInvalid("an outbound message cannot come from the contact", field="origin")
    if not _CHANNEL.match(event.channel or ""):
        raise UsageRecordInvalid(f"invalid channel {event.channel!r}", field="channel")
    if not isinstance(event.occurred_at, datetime) or event.occurred_at.tzinfo is None:
        raise UsageRecordInvalid("occurred_at must be an aware datetime", field="occurred_at")
    if event.agent_id is not None and not isinstance(event.agent_id, int):
        raise UsageRecordInvalid("agent_id must be an integer or None", field="agent_id")
    return event


_PRICE_LOOKUP = """
    (SELECT CASE WHEN {kind} = 'session' THEN ps.session_price ELSE ps.template_price END
       FROM billing_priceschedule ps JOIN billing_contract c ON c.id = ps.contract_id
      WHERE c.tenant_id = {tenant} AND ps.effective_from <= {day}
      ORDER BY ps.effective_from DESC LIMIT 1)
"""

_OPEN_CHECK = """
    NOT EXISTS (SELECT 1 FROM billing_statement s
                 WHERE s.tenant_id = {tenant} AND s.period >= {billing})
"""

_INSERT_ONE = f"""
INSERT INTO billing_usagerecord
    (tenant_id, period, billing_period, occurred_at, kind, direction, origin, channel,
     agent_id, agent_name, unit_price, message_key)
SELECT %(tenant)s, %(period)s, %(billing)s, %(occurred_at)s, %(kind)s, %(direction)s,
       %(origin)s, %(channel)s, %(agent_id)s, %(agent_name)s,
       {_PRICE_LOOKUP.format(kind="%(kind)s", tenant="%(tenant)s", day="%(day)s")},
       %(message_key)s
WHERE {_OPEN_CHECK.format(tenant="%(tenant)s", billing="%(billing)s")}
ON CONFLICT (tenant_id, message_key, kind, period) DO NOTHING
RETURNING id, recorded_at, unit_price
"""

# For a batch the tenant's price schedule is read once, as ranges, and joined to the rows.
_INSERT_MANY = f"""
WITH prices AS MATERIALIZED (
    SELECT ps.effective_from,
           lead(ps.effective_from) OVER (ORDER BY ps.effective_from) AS until,
           ps.session_price, ps.template_price
      FROM billing_priceschedule ps JOIN billing_contract c ON c.id = ps.contract_id
     WHERE c.tenant_id = %(tenant)s
)
INSERT INTO billing_usagerecord
    (tenant_id, period, billing_period, occurred_at, kind, direction, origin, channel,
     agent_id, agent_name, unit_price, message_key)
SELECT %(tenant)s, %(period)s, %(billing)s, e.occurred_at, e.kind, e.direction, e.origin,
       e.channel, e.agent_id, e.agent_name,
       CASE WHEN e.kind = 'session' THEN p.session_price ELSE p.template_price END,
       e.message_key
FROM unnest(%(occurred_at)s::timestamptz[], %(day)s::date[], %(kind)s::text[],
            %(direction)s::text[], %(origin)s::text[], %(channel)s::text[],
            %(agent_id)s::bigint[], %(agent_name)s::text[], %(message_key)s::text[])
     AS e(occurred_at, day, kind, direction, origin, channel, agent_id, agent_name, message_key)
LEFT JOIN prices p ON e.day >= p.effective_from AND (p.until IS NULL OR e.day < p.until)
WHERE {_OPEN_CHECK.format(tenant="%(tenant)s", billing="%(billing)s")}
ON CONFLICT (tenant_id, message_key, kind, period) DO NOTHING
RETURNING 1
"""


def closed_through(tenant_id: int) -> date | None:
    """The tenant's last closed period (closed periods are a prefix: they close in order)."""
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT max(period) FROM billing_statement WHERE tenant_id = %s", [tenant_id]
        )
        return cursor.fetchone()[0]


def _insert_one(event: UsageEvent, period: date, billing: date) -> UsageRecord | None:
    agent_name = (event.agent_name or "")[:150]
    params: dict[str, Any] = {
        "tenant": event.tenant_id,
        "period": period,
        "billing": billing,
        "occurred_at": event.occurred_at,
        "kind": event.kind,
        "direction": event.direction,
        "origin": event.origin,
        "channel": event.channel,
        "agent_id": event.agent_id,
        "agent_name": agent_name,
        "day": local_date(event.occurred_at),
        "message_key": event.message_key,
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_ONE, params)
        row = cursor.fetchone()
    if row is None:
        return None
    record_id, recorded_at, price = row
    return UsageRecord(
        id=record_id,
        tenant_id=event.tenant_id,
        period=period,
        billing_period=billing,
        occurred_at=event.occurred_at,
        recorded_at=recorded_at,
        kind=event.kind,
        direction=event.direction,
        origin=event.origin,
        channel=event.channel,
        agent_id=event.agent_id,
        agent_name=agent_name,
        unit_price=price,
        message_key=event.message_key,
    )


def usage_event_record(event: UsageEvent) -> UsageRecord | None:
    """Records one validated event; None when it was already recorded (a duplicate)."""
    usage_event_validate(event)
    period = period_of(event.occurred_at)
    # savepoint=False: inside the pipeline's transaction this adds no round trips, and the locks
    # are held until that transaction commits, which is what keeps closing exact.
    with transaction.atomic(savepoint=False):
        lock_for_recording(event.tenant_id, period)
        record = _insert_one(event, period, period)
        if record is not None:
            return record
        closed = closed_through(event.tenant_id)
        if closed is None or closed < period:
            return None  # the period is open, so the conflict was a duplicate
        # A late record: its month is closed. It is billed in the next open period, as an
        # adjustment; the uniqueness on (…, period) still catches a duplicate of it.
        while True:
            billing = period_add(closed, 1)
            lock_for_recording(event.tenant_id, billing)
            record = _insert_one(event, period, billing)
            if record is not None:
                return record
            now_closed = closed_through(event.tenant_id)
            if now_closed is None or now_closed < billing:
                return None
            closed = now_closed


def _insert_group(tenant_id: int, period: date, billing: date, events: Sequence[UsageEvent]) -> int:
    params: dict[str, Any] = {
        "tenant": tenant_id,
        "period": period,
        "billing": billing,
        "occurred_at": [event.occurred_at for event in events],
        "day": [local_date(event.occurred_at) for event in events],
        "kind": [event.kind for event in events],
        "direction": [event.direction for event in events],
        "origin": [event.origin for event in events],
        "channel": [event.channel for event in events],
        "agent_id": [event.agent_id for event in events],
        "agent_name": [(event.agent_name or "")[:150] for event in events],
        "message_key": [event.message_key for event in events],
    }
    with connection.cursor() as cursor:
        cursor.execute(_INSERT_MANY, params)
        return cursor.rowcount


def usage_events_record(events: Iterable[UsageEvent]) -> int:
    """Records many events in one transaction; returns how many were new (not duplicates)."""
    groups: dict[tuple[int, date], list[UsageEvent]] = defaultdict(list)
    for event in events:
        usage_event_validate(event)
        groups[(event.tenant_id, period_of(event.occurred_at))].append(event)
    inserted = 0
    with transaction.atomic(savepoint=False):
        # A fixed order of lock acquisition across concurrent batches.
        for (tenant_id, period), group in sorted(groups.items(), key=lambda item: item[0]):
            lock_for_recording(tenant_id, period)
            count = _insert_group(tenant_id, period, period, group)
            inserted += count
            if count == len(group):
                continue
            closed = closed_through(tenant_id)
            while closed is not None and closed >= period:
                billing = period_add(closed, 1)
                lock_for_recording(tenant_id, billing)
                count = _insert_group(tenant_id, period, billing, group)
                inserted += count
                now_closed = closed_through(tenant_id)
                if count or now_closed is None or now_closed < billing:
                    break
                closed = now_closed
    return inserted


def unit_price_in_force(tenant_id: int, kind: str, day: date) -> Decimal | None:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT " + _PRICE_LOOKUP.format(kind="%(kind)s", tenant="%(tenant)s", day="%(day)s"),
            {"kind": kind, "tenant": tenant_id, "day": day},
        )
        return cursor.fetchone()[0]

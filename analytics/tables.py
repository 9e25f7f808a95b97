"""The ClickHouse tables export sources write to, as Python row types.

Each table's DDL is in `analytics/migrations_ch/`; the row dataclass here lists the columns a
source fills. The export framework adds the rest (docs/adr/0051):

- `tenant_id` — the tenant's primary key in the public schema (never reused; first in every
  ORDER BY);
- on `events`: `source`, `source_id`, `source_seq` — which registered source, which
  PostgreSQL row, which of that row's events — the identity a re-sent row is deduplicated on;
- `_version` — the export time in nanoseconds: ReplacingMergeTree keeps the latest copy.

Everything in a table's ORDER BY identifies the row, so it must never change for a given
source row (its time included): a source exports facts that happened, not mutable state.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, fields
from datetime import datetime
from decimal import Decimal
from enum import StrEnum


class EventKind(StrEnum):
    """What an `events` row records. Reports filter on it; add kinds here, never rename."""

    MESSAGE = "message"  # one message, inbound or outbound
    CONVERSATION_OPENED = "conversation.opened"
    CONVERSATION_ASSIGNED = "conversation.assigned"  # to an agent (agent_id) or team
    CONVERSATION_TRANSFERRED = "conversation.transferred"
    CONVERSATION_CLOSED = "conversation.closed"  # reason = disposition; duration_ms = handling
    CONVERSATION_STATE = "conversation.state"  # any other state change (bot → queue → human)
    # Derived when a stretch ends (analytics/sources.py, docs/analytics.md): how long a
    # conversation waited in a team's queue before an agent took it (TME), and how long one
    # agent held it (TMA). duration_ms holds the stretch; the row's time is its end.
    CONVERSATION_WAIT = "conversation.wait"
    CONVERSATION_HANDLING = "conversation.handling"
    AGENT_STATE = "agent.state"  # available / unavailable / paused (reason = pause reason)
    AGENT_PAUSE = "agent.pause"  # one pause, at its end: duration_ms, reason = pause reason
    CSAT = "csat"  # score = the citizen's rating
    SENTIMENT = "sentiment"  # score = -1..1 from the AI analysis
    # A value recorded for a key of a conversation (6.5.48.10): attributes key, label, value;
    # origin = who captured it (flow, agent, api); actor_id = the user, 0 for a flow.
    FLOW_DATA = "flow.data"
    USAGE = "usage"  # one metered usage record (quantity, amount at the unit price in force)
    # One message of the internal chat between users (6.5.58.10): from_agent_id sent it to
    # agent_id; attributes["thread"] = the id of the first message of its thread. Never the text.
    CHAT_MESSAGE = "chat.message"


@dataclass(frozen=True)
class Event:
    """One row of `events`, the shared table of conversation, agent and usage facts.

    Unused columns keep their defaults (0 / '' / empty), so one table serves every kind and a
    report reads one table. Ids are PostgreSQL primary keys inside the tenant's schema.
    """

    kind: str
    occurred_at: datetime
    event: str = ""  # the source's own name for it (routing's queued, paused, timed_out…)
    conversation_id: int = 0
    protocol: str = ""
    contact_id: int = 0
    channel_id: int = 0
    channel_type: str = ""  # whatsapp, telegram, webchat, email, ...
    team_id: int = 0
    agent_id: int = 0  # the user concerned (agent answering, agent changing state)
    actor_id: int = 0  # the user who made the change (0: the system, a citizen)
    actor_via: str = ""  # web, api, system, command…
    from_team_id: int = 0  # before a transfer
    from_agent_id: int = 0  # before a transfer, or the agent who invited another
    origin: str = ""  # contact, bot, agent, system
    direction: str = ""  # in, out
    message_type: str = ""  # text, image, audio, template, ...
    billing_kind: str = ""  # session, template (the usage ledger's kinds)
    state: str = ""  # state after the change
    previous_state: str = ""
    reason: str = ""  # disposition, pause reason, transfer reason
    score: Decimal | None = None  # CSAT (1..5) or sentiment (-1..1)
    duration_ms: int = 0  # the wait or handling time this event closes
    quantity: int = 0
    amount: Decimal = Decimal("0")  # 4 decimal places, as the ledger
    attributes: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True)
class AuditEvent:
    """One row of `audit_events`: who changed what and when, without the values changed
    (those may hold personal data; they stay in PostgreSQL's audit log)."""

    entry_id: int
    occurred_at: datetime
    actor_id: int  # 0 when no user acted (system, command)
    actor_label: str
    via: str
    action: str
    object_type: str
    object_id: str
    changed_fields: Sequence[str] = ()


@dataclass(frozen=True)
class Table:
    """A ClickHouse table sources export to."""

    name: str
    row_type: type
    # True when rows carry `source`, `source_id`, `source_seq` (a table many sources share).
    keyed_by_source: bool

    def columns(self) -> list[str]:
        identity = ["source", "source_id", "source_seq"] if self.keyed_by_source else []
        return ["tenant_id", *identity, *(item.name for item in fields(self.row_type)), "_version"]


EVENTS = Table(name="events", row_type=Event, keyed_by_source=True)
AUDIT_EVENTS = Table(name="audit_events", row_type=AuditEvent, keyed_by_source=False)

"""The export sources of analytics (docs/adr/0051): the audit log, messages, conversations
opened, conversation state changes (with the waits, handlings and ratings they end), agent
state changes, the usage ledger, the internal chat between users (who, to whom, when and
the thread; never the text) and the data captured in conversations (6.5.48.10). They read other apps' models and never write them."""

from __future__ import annotations

from dataclasses import replace
from datetime import datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db import connection
from django.db.models import Q, QuerySet

from analytics.export import register_source
from analytics.tables import AUDIT_EVENTS, AuditEvent, Event, EventKind
from billing.models import UsageRecord
from desk.models import CapturedData, Conversation, Message
from desk.models.messages import BillingKind, Direction, Origin
from desk.services.metering import current_tenant_id
from portal.models import InternalMessage
from routing.models import AgentStatus, ConversationEvent, RoutingState
from routing.models.conversations import EventKind as RoutingEventKind
from security.models import AuditEntry


def _audit_entries() -> QuerySet[AuditEntry]:
    # The description, the device and the chain hashes are not exported: the report needs who,
    # what and when, and object descriptions may hold citizens' personal data.
    return AuditEntry.objects.defer("object_repr", "user_agent", "previous_hash", "entry_hash")


def _changed_fields(before: Any, after: Any) -> list[str]:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


def audit_entry_serialize(entry: AuditEntry) -> list[AuditEvent]:
    return [
        AuditEvent(
            entry_id=entry.pk,
            occurred_at=entry.occurred_at,
            actor_id=entry.actor_id or 0,
            actor_label=entry.actor_label,
            via=entry.via,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            changed_fields=_changed_fields(entry.before, entry.after),
        )
    ]


AUDIT_SOURCE = register_source(
    "security.audit",
    queryset=_audit_entries,
    serialize=audit_entry_serialize,
    table=AUDIT_EVENTS,
    time_field="occurred_at",
)


# --- Messages (desk) -----------------------------------------------------------------------


def _messages() -> QuerySet[Message]:
    return Message.objects.select_related("conversation", "channel").only(
        "id",
        "created_at",
        "direction",
        "kind",
        "origin",
        "billing_kind",
        "sender_user_id",
        "channel_id",
        "channel__type",
        "conversation_id",
        "conversation__protocol",
        "conversation__contact_id",
        "conversation__team_id",
    )


def message_serialize(message: Message) -> list[Event]:
    """One message. The team is the conversation's when the message is exported (seconds
    after it was written). Inbound messages are session messages (6.6.3.4); `agent_id` is the
    staff user who sent it (agents and administrators), 0 for the citizen, bots and the system."""
    billing_kind = message.billing_kind or (
        BillingKind.SESSION if message.direction == Direction.INBOUND else ""
    )
    staff = message.origin in (Origin.AGENT, Origin.ADMIN)
    return [
        Event(
            kind=EventKind.MESSAGE,
            occurred_at=message.created_at,
            conversation_id=message.conversation_id,
            protocol=message.conversation.protocol,
            contact_id=message.conversation.contact_id,
            channel_id=message.channel_id,
            channel_type=message.channel.type,
            team_id=message.conversation.team_id or 0,
            agent_id=(message.sender_user_id or 0) if staff else 0,
            origin=message.origin,
            direction=message.direction,
            message_type=message.kind,
            billing_kind=billing_kind,
        )
    ]


MESSAGES_SOURCE = register_source(
    "desk.messages", queryset=_messages, serialize=message_serialize, time_field="created_at"
)


def _conversations() -> QuerySet[Conversation]:
    return Conversation.objects.select_related("channel").only(
        "id", "opened_at", "protocol", "contact_id", "channel_id", "channel__type", "team_id"
    )


def conversation_serialize(conversation: Conversation) -> list[Event]:
    """A conversation opened (the citizen's first message, or an outbound start)."""
    return [
        Event(
            kind=EventKind.CONVERSATION_OPENED,
            occurred_at=conversation.opened_at,
            conversation_id=conversation.pk,
            protocol=conversation.protocol,
            contact_id=conversation.contact_id,
            channel_id=conversation.channel_id,
            channel_type=conversation.channel.type,
            team_id=conversation.team_id or 0,
        )
    ]


CONVERSATIONS_SOURCE = register_source(
    "desk.conversations",
    queryset=_conversations,
    serialize=conversation_serialize,
    time_field="opened_at",
)


# --- Conversation state changes (routing) -------------------------------------------------

_ROUTING_KINDS: dict[str, str] = {
    RoutingEventKind.ASSIGNED: EventKind.CONVERSATION_ASSIGNED,
    RoutingEventKind.TRANSFERRED: EventKind.CONVERSATION_TRANSFERRED,
    RoutingEventKind.CLOSED: EventKind.CONVERSATION_CLOSED,
    RoutingEventKind.TIMED_OUT: EventKind.CONVERSATION_CLOSED,
}


def _routing_events() -> QuerySet[ConversationEvent]:
    return ConversationEvent.objects.select_related("conversation", "conversation__channel").defer(
        "note", "conversation__channel__webchat_allowed_origins"
    )


def _ms(delta: timedelta) -> int:
    return max(int(delta.total_seconds() * 1000), 0)


def _stretches(event: ConversationEvent) -> list[Event]:
    """The wait and the handling this event ends (docs/analytics.md, "TMA e TME").

    A wait runs from the event that put the conversation in a queue (state waiting) to the
    first event in another state. A handling runs while one agent owns the conversation
    (state assigned, same agent), from the event that gave it to them to the event that took
    it away (transfer to someone else, back to the queue, closing). Both are read off the
    conversation's events up to this one, in their order (time, then id)."""
    history = ConversationEvent.objects.filter(conversation_id=event.conversation_id).filter(
        Q(at__lt=event.at) | Q(at=event.at, pk__lt=event.pk)
    )
    earlier = list(history.order_by("at", "pk").only("pk", "at", "state", "team_id", "agent_id"))
    waiting_since: datetime | None = None
    holder: tuple[int, datetime, int] | None = None  # agent, since, team
    derived: list[Event] = []
    for item in (*earlier, event):
        derived = []
        if item.state == RoutingState.WAITING:
            waiting_since = waiting_since or item.at
        elif waiting_since is not None:
            derived.append(
                Event(
                    kind=EventKind.CONVERSATION_WAIT,
                    occurred_at=item.at,
                    event=item.kind,
                    state=item.state,
                    team_id=item.team_id or 0,
                    agent_id=item.agent_id or 0,
                    duration_ms=_ms(item.at - waiting_since),
                )
            )
            waiting_since = None
        owner = item.agent_id if item.state == RoutingState.ASSIGNED and item.agent_id else None
        if holder is not None and holder[0] != owner:
            derived.append(
                Event(
                    kind=EventKind.CONVERSATION_HANDLING,
                    occurred_at=item.at,
                    event=item.kind,
                    state=item.state,
                    agent_id=holder[0],
                    team_id=holder[2],
                    duration_ms=_ms(item.at - holder[1]),
                )
            )
            holder = None
        if owner is not None and holder is None:
            holder = (owner, item.at, item.team_id or 0)
    return derived


def routing_event_serialize(event: ConversationEvent) -> list[Event]:
    """One state change of a conversation (queued, assigned, transferred, paused, reopened,
    closed, timed out…), with who made it; then the wait or handling it ends; then, for a
    survey answer, the rating (CSAT, agent = the agent rated)."""
    conversation = event.conversation
    common: dict[str, Any] = {
        "occurred_at": event.at,
        "conversation_id": event.conversation_id,
        "protocol": conversation.protocol,
        "contact_id": conversation.contact_id,
        "channel_id": conversation.channel_id,
        "channel_type": conversation.channel.type,
    }
    data = event.data if isinstance(event.data, dict) else {}
    closing = event.kind in (RoutingEventKind.CLOSED, RoutingEventKind.TIMED_OUT)
    # An invitation concerns the agent invited (from_agent_id is the owner who invited).
    agent_id = (
        int(data.get("invited_id") or 0)
        if event.kind == RoutingEventKind.INVITED
        else event.agent_id or 0
    )
    rows = [
        Event(
            kind=_ROUTING_KINDS.get(event.kind, EventKind.CONVERSATION_STATE),
            event=event.kind,
            team_id=event.team_id or 0,
            agent_id=agent_id,
            actor_id=event.actor_id or 0,
            actor_via=event.via,
            from_team_id=event.from_team_id or 0,
            from_agent_id=event.from_agent_id or 0,
            state=event.state,
            reason=str(data.get("disposition") or "") if closing else event.reason,
            attributes={"close_reason": event.reason} if closing else {},
            **common,
        )
    ]
    rows.extend(replace(stretch, **common) for stretch in _stretches(event))
    if event.kind == RoutingEventKind.SURVEY_ANSWERED and data.get("score") is not None:
        rows.append(
            Event(
                kind=EventKind.CSAT,
                event=event.kind,
                team_id=event.team_id or event.from_team_id or 0,
                agent_id=int(data.get("rated_agent_id") or 0),
                score=Decimal(int(data["score"])),
                **common,
            )
        )
    return rows


ROUTING_SOURCE = register_source(
    "routing.events", queryset=_routing_events, serialize=routing_event_serialize, time_field="at"
)


# --- Agent state changes (from the audit log routing writes) -------------------------------

AGENT_ACTIONS = (
    "agent.login",
    "agent.team_logout",
    "agent.logout",
    "agent.pause",
    "agent.available",
)


def _agent_changes() -> QuerySet[AuditEntry]:
    return AuditEntry.objects.filter(action__in=AGENT_ACTIONS).only(
        "id",
        "occurred_at",
        "action",
        "object_type",
        "object_id",
        "actor_id",
        "via",
        "before",
        "after",
    )


def agent_change_serialize(entry: AuditEntry) -> list[Event]:
    """An agent's presence changed (available, paused with a reason, offline). When a pause
    ends, also the pause itself: its reason and length, from the pause that began it."""
    before = entry.before if isinstance(entry.before, dict) else {}
    after = entry.after if isinstance(entry.after, dict) else {}
    agent_id = int(entry.object_id) if entry.object_id.isdigit() else 0
    previous, state = str(before.get("status", "")), str(after.get("status", ""))
    rows = [
        Event(
            kind=EventKind.AGENT_STATE,
            event=entry.action,
            occurred_at=entry.occurred_at,
            agent_id=agent_id,
            actor_id=entry.actor_id or 0,
            actor_via=entry.via,
            state=state,
            previous_state=previous,
            reason=str(after.get("reason", "")),
        )
    ]
    if previous == AgentStatus.PAUSED and state != AgentStatus.PAUSED:
        began = (
            AuditEntry.objects.filter(
                action="agent.pause",
                object_type=entry.object_type,
                object_id=entry.object_id,
                pk__lt=entry.pk,
            )
            .order_by("-pk")
            .only("occurred_at", "after")
            .first()
        )
        if began is not None:
            began_after = began.after if isinstance(began.after, dict) else {}
            rows.append(
                Event(
                    kind=EventKind.AGENT_PAUSE,
                    event=entry.action,
                    occurred_at=entry.occurred_at,
                    agent_id=agent_id,
                    reason=str(began_after.get("reason", "")),
                    duration_ms=_ms(entry.occurred_at - began.occurred_at),
                )
            )
    return rows


AGENT_SOURCE = register_source(
    "routing.agent_states",
    queryset=_agent_changes,
    serialize=agent_change_serialize,
    time_field="occurred_at",
)


# --- Usage (the billing ledger, public schema, filtered to the tenant being exported) ------


def _usage() -> QuerySet[UsageRecord]:
    return UsageRecord.objects.filter(tenant_id=current_tenant_id()).defer("message_key")


def usage_serialize(record: UsageRecord) -> list[Event]:
    """One metered message, as the ledger has it: kind, direction, origin, channel type,
    agent, and the unit price in force (0 when unpriced)."""
    return [
        Event(
            kind=EventKind.USAGE,
            occurred_at=record.occurred_at,
            channel_type=record.channel,
            agent_id=record.agent_id or 0,
            origin=record.origin,
            direction=Direction.INBOUND if record.direction == "inbound" else Direction.OUTBOUND,
            billing_kind=record.kind,
            quantity=1,
            amount=record.unit_price if record.unit_price is not None else Decimal("0"),
            attributes={
                "billing_period": record.billing_period.isoformat(),
                "priced": "1" if record.unit_price is not None else "0",
            },
        )
    ]


USAGE_SOURCE = register_source(
    "billing.usage", queryset=_usage, serialize=usage_serialize, time_field="occurred_at"
)


# --- The internal chat between users (portal, 6.5.58.10) -----------------------------------

# A chat thread: the messages two people exchange without a silence longer than this
# (docs/analytics.md, "Conversas entre atendentes").
CHAT_THREAD_GAP = timedelta(minutes=30)
# Thread of recently serialized messages, by (schema, message id): a batch reads the messages
# in id order, so the previous message of a pair was usually serialized just before.
_chat_threads: dict[tuple[str, int], int] = {}
_CHAT_THREADS_KEPT = 50_000


def _chat_messages() -> QuerySet[InternalMessage]:
    # Who, to whom and when: the text (and when it was read, which changes) never leave.
    return InternalMessage.objects.only("id", "sender_id", "recipient_id", "created_at")


def chat_thread_start(message: InternalMessage) -> int:
    """The id of the first message of `message`'s thread: walking back through the pair's
    earlier messages (time, then id) until a silence longer than CHAT_THREAD_GAP."""
    schema = str(getattr(connection, "schema_name", ""))
    first, first_at = message.pk, message.created_at
    a, b = message.sender_id, message.recipient_id
    earlier = (
        InternalMessage.objects.filter(
            Q(sender_id=a, recipient_id=b) | Q(sender_id=b, recipient_id=a)
        )
        .filter(Q(created_at__lt=first_at) | Q(created_at=first_at, pk__lt=first))
        .order_by("-created_at", "-pk")
        .values_list("pk", "created_at")
    )
    for pk, at in earlier.iterator(chunk_size=200):
        if first_at - at > CHAT_THREAD_GAP:
            break
        known = _chat_threads.get((schema, pk))
        if known is not None:
            first = known
            break
        first, first_at = pk, at
    if len(_chat_threads) >= _CHAT_THREADS_KEPT:
        _chat_threads.clear()
    _chat_threads[(schema, message.pk)] = first
    return first


def chat_message_serialize(message: InternalMessage) -> list[Event]:
    """One internal chat message: who sent it (from_agent_id, also the actor), to whom
    (agent_id), when, and its thread. Not the text."""
    return [
        Event(
            kind=EventKind.CHAT_MESSAGE,
            event="chat",
            occurred_at=message.created_at,
            agent_id=message.recipient_id,
            from_agent_id=message.sender_id,
            actor_id=message.sender_id,
            attributes={"thread": str(chat_thread_start(message))},
        )
    ]


CHAT_SOURCE = register_source(
    "portal.internal_messages",
    queryset=_chat_messages,
    serialize=chat_message_serialize,
    time_field="created_at",
)


# --- Data captured in conversations (desk, 6.5.48.10) --------------------------------------


def _captured_data() -> QuerySet[CapturedData]:
    return CapturedData.objects.select_related("conversation", "conversation__channel").only(
        "id",
        "captured_at",
        "key",
        "label",
        "value",
        "source",
        "captured_by_id",
        "conversation_id",
        "conversation__protocol",
        "conversation__contact_id",
        "conversation__team_id",
        "conversation__channel_id",
        "conversation__channel__type",
    )


def captured_data_serialize(row: CapturedData) -> list[Event]:
    """One value recorded for a key of a conversation (by a flow, an agent or the API): the
    key, its label and the value in `attributes`, the source in `origin`, who recorded it in
    `actor_id`. A key recorded again is another row; the report takes the latest. The team is
    the conversation's when the row is exported (seconds after it was written)."""
    conversation = row.conversation
    return [
        Event(
            kind=EventKind.FLOW_DATA,
            event="captured",
            occurred_at=row.captured_at,
            conversation_id=row.conversation_id,
            protocol=conversation.protocol,
            contact_id=conversation.contact_id,
            channel_id=conversation.channel_id,
            channel_type=conversation.channel.type,
            team_id=conversation.team_id or 0,
            actor_id=row.captured_by_id or 0,
            origin=row.source,
            attributes={"key": row.key, "label": row.label, "value": row.value},
        )
    ]


CAPTURED_DATA_SOURCE = register_source(
    "desk.captured_data",
    queryset=_captured_data,
    serialize=captured_data_serialize,
    time_field="captured_at",
)

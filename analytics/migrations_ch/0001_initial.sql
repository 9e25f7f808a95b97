-- The first analytics tables (docs/adr/0051). Every table: the tenant first in ORDER BY,
-- monthly partitions by the event time in UTC, ReplacingMergeTree on `_version` so a batch
-- sent twice is one copy (queries read with FINAL). Reports cut days and months in
-- America/Sao_Paulo with toTimeZone(); partitions stay UTC so a month's rows live in at most
-- two partitions.

-- Who changed what in the system (report 6.5.48.9), from each tenant's audit log.
CREATE TABLE IF NOT EXISTS audit_events
(
    tenant_id      UInt64,
    entry_id       UInt64,
    occurred_at    DateTime64(6, 'UTC'),
    actor_id       UInt64,
    actor_label    String,
    via            LowCardinality(String),
    action         LowCardinality(String),
    object_type    LowCardinality(String),
    object_id      String,
    changed_fields Array(LowCardinality(String)),
    _version       UInt64
)
ENGINE = ReplacingMergeTree(_version)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, occurred_at, entry_id);

-- Conversation, message, agent, satisfaction, flow and usage facts, one row per event
-- (analytics/tables.py Event and EventKind say what each column holds for each kind).
CREATE TABLE IF NOT EXISTS events
(
    tenant_id       UInt64,
    source          LowCardinality(String),
    source_id       UInt64,
    source_seq      UInt16,
    kind            LowCardinality(String),
    occurred_at     DateTime64(6, 'UTC'),
    conversation_id UInt64,
    protocol        String,
    contact_id      UInt64,
    channel_id      UInt64,
    channel_type    LowCardinality(String),
    team_id         UInt64,
    agent_id        UInt64,
    origin          LowCardinality(String),
    direction       LowCardinality(String),
    message_type    LowCardinality(String),
    billing_kind    LowCardinality(String),
    state           LowCardinality(String),
    previous_state  LowCardinality(String),
    reason          LowCardinality(String),
    score           Nullable(Decimal(9, 4)),
    duration_ms     UInt64,
    quantity        Int64,
    amount          Decimal(18, 4),
    attributes      Map(LowCardinality(String), String),
    _version        UInt64
)
ENGINE = ReplacingMergeTree(_version)
PARTITION BY toYYYYMM(occurred_at)
ORDER BY (tenant_id, kind, occurred_at, source, source_id, source_seq);

-- Who made a change, and where a conversation came from (docs/adr/0051): the routing events,
-- agent state changes and usage records exported into `events` (analytics/sources.py).
-- `event` keeps the source's own name for what happened (routing: queued, requeued, paused,
-- reopened, timed_out…; agent: agent.login, agent.pause…), since `kind` groups several.

ALTER TABLE events ADD COLUMN IF NOT EXISTS event LowCardinality(String) DEFAULT '' AFTER kind;
ALTER TABLE events ADD COLUMN IF NOT EXISTS actor_id UInt64 DEFAULT 0 AFTER agent_id;
ALTER TABLE events ADD COLUMN IF NOT EXISTS actor_via LowCardinality(String) DEFAULT '' AFTER actor_id;
ALTER TABLE events ADD COLUMN IF NOT EXISTS from_team_id UInt64 DEFAULT 0 AFTER actor_via;
ALTER TABLE events ADD COLUMN IF NOT EXISTS from_agent_id UInt64 DEFAULT 0 AFTER from_team_id;

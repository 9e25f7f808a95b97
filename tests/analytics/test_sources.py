"""The event sources besides the audit log (messages, conversations, routing events with the
waits and handlings they end, ratings, agent state changes, the usage ledger): what each row
says, exactly once across a crash between batches, and a rebuild that gives the same rows."""

from __future__ import annotations

from collections.abc import Iterator
from decimal import Decimal
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from django_tenants.utils import schema_context

from analytics import export, sources
from analytics.export import tenant_export
from analytics.services import tenant_rebuild
from billing.models import UsageRecord
from desk.models import Message
from portal.models import InternalMessage
from routing.models import ConversationEvent
from security.actors import Actor
from tenants.models import Tenant
from tests.analytics.conftest import MakeTenant
from tests.analytics.dataset import Dataset, dataset_build, sp

pytestmark = pytest.mark.django_db

SOURCES = [
    "billing.usage",
    "desk.captured_data",
    "desk.conversations",
    "desk.messages",
    "portal.internal_messages",
    "routing.agent_states",
    "routing.events",
]
MINUTE = 60_000


def kinds(ch: Client, tenant: Tenant, *, final: bool = True) -> dict[str, int]:
    modifier = "FINAL" if final else ""
    rows = ch.query(
        f"SELECT kind, count() FROM events {modifier} WHERE tenant_id = {{t:UInt64}} "  # noqa: S608 - a keyword
        "GROUP BY kind ORDER BY kind",
        parameters={"t": tenant.pk},
    ).result_rows
    return {str(kind): int(count) for kind, count in rows}


EXPECTED_KINDS = {
    "agent.pause": 3,
    "agent.state": 8,
    "chat.message": 7,
    "conversation.assigned": 4,
    "conversation.closed": 3,
    "conversation.handling": 5,
    "conversation.opened": 3,
    "conversation.state": 6,  # 3 queued, 1 requeued, 2 survey answers
    "conversation.transferred": 1,
    "conversation.wait": 4,
    "csat": 2,
    "flow.data": 7,
    "message": 14,
    "usage": 14,
}


@pytest.fixture
def merges_stopped(ch: Client) -> Iterator[None]:
    ch.command("SYSTEM STOP MERGES events")
    yield
    ch.command("SYSTEM START MERGES events")


@pytest.fixture
def data(make_tenant: MakeTenant) -> Dataset:
    return dataset_build(make_tenant())


@pytest.mark.req("6.5.48")
@pytest.mark.usefixtures("merges_stopped")
def test_every_source_is_exported_exactly_once_across_a_crash_between_batches(
    data: Dataset,
    make_tenant: MakeTenant,
    ch: Client,
    settings: Any,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    # Given the data set, another tenant with its own ledger rows, and batches of 4 rows
    other = dataset_build(make_tenant("Prefeitura Vizinha")).tenant
    tenant = data.tenant
    settings.ANALYTICS_EXPORT_BATCH_SIZE = 4
    real_advance = export._watermark_advance
    calls = {"count": 0}

    def crash_on_every_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["count"] += 1
        if calls["count"] % 2 == 0:
            raise ConnectionResetError("worker killed after ClickHouse acknowledged the batch")
        real_advance(*args, **kwargs)

    monkeypatch.setattr(export, "_watermark_advance", crash_on_every_second_batch)

    # When each source's second batch crashes after its insert, before the watermark commit
    with pytest.raises(ConnectionResetError):
        tenant_export(tenant=tenant, max_batches=100, wait=True, only=SOURCES)

    # Then ClickHouse holds rows whose watermark did not move (the crashed batches)
    crashed = kinds(ch, tenant, final=False)
    assert sum(crashed.values()) > 0

    # When the export is retried until everything is sent
    monkeypatch.setattr(export, "_watermark_advance", real_advance)
    tenant_export(tenant=tenant, max_batches=100, wait=True, only=SOURCES)

    # Then each kind counts exactly what PostgreSQL holds, although copies exist physically
    assert kinds(ch, tenant) == EXPECTED_KINDS
    physical = kinds(ch, tenant, final=False)
    assert sum(physical.values()) > sum(EXPECTED_KINDS.values())
    with schema_context(tenant.schema_name):
        assert Message.objects.count() == EXPECTED_KINDS["message"]
        assert ConversationEvent.objects.count() == 14
    assert UsageRecord.objects.filter(tenant=tenant).count() == EXPECTED_KINDS["usage"]
    # And the other tenant's ledger rows did not leak into this tenant
    assert UsageRecord.objects.filter(tenant=other).count() == 14
    assert kinds(ch, other) == {}


def test_rows_carry_what_reports_need(data: Dataset, ch: Client) -> None:
    tenant = data.tenant
    tenant_export(tenant=tenant, max_batches=100, wait=True, only=SOURCES)
    ana, bruno, carla = (data.agents[name].pk for name in ("Ana", "Bruno", "Carla"))
    health, taxes = data.teams["Saúde"].pk, data.teams["Tributos"].pk

    def rows(kind: str, columns: str) -> list[tuple[Any, ...]]:
        return [
            tuple(row)
            for row in ch.query(
                f"SELECT {columns} FROM events FINAL WHERE tenant_id = {{t:UInt64}} "  # noqa: S608 - fixed names
                "AND kind = {k:String} ORDER BY occurred_at, source_id, source_seq",
                parameters={"t": tenant.pk, "k": kind},
            ).result_rows
        ]

    # Waits end when an agent takes the conversation (TME) — team and minutes
    assert rows("conversation.wait", "team_id, agent_id, state, duration_ms") == [
        (health, ana, "assigned", 2 * MINUTE),
        (taxes, carla, "assigned", 10 * MINUTE),
        (health, ana, "assigned", 6 * MINUTE),
        (health, bruno, "assigned", 4 * MINUTE),
    ]
    # Handlings end with a transfer, a requeue or closing (TMA) — agent, team and minutes
    assert rows("conversation.handling", "agent_id, team_id, event, duration_ms") == [
        (ana, health, "transferred", 8 * MINUTE),
        (bruno, health, "closed", 20 * MINUTE),
        (carla, taxes, "closed", 15 * MINUTE),
        (ana, health, "requeued", 14 * MINUTE),
        (bruno, health, "timed_out", 26 * MINUTE),
    ]
    # Closings keep the disposition and how they ended; the actor and how they acted
    assert rows("conversation.closed", "event, reason, attributes['close_reason'], actor_id") == [
        ("closed", "Resolvido", "agent", bruno),
        ("closed", "Informação", "agent", carla),
        ("timed_out", "", "inactivity", 0),
    ]
    assert rows("conversation.transferred", "from_agent_id, agent_id, actor_id, actor_via") == [
        (ana, bruno, ana, "web")
    ]
    assert rows("csat", "agent_id, team_id, score") == [
        (bruno, health, Decimal(5)),
        (carla, taxes, Decimal(3)),
    ]
    # Messages: direction, billing kind, origin, agent, channel and team
    assert rows(
        "message",
        "direction, billing_kind, origin, agent_id, channel_type, team_id",
    )[:6] == [
        ("in", "session", "contact", 0, "whatsapp", health),
        ("out", "session", "bot", 0, "whatsapp", health),
        ("out", "session", "agent", ana, "whatsapp", health),
        ("in", "session", "contact", 0, "whatsapp", health),
        ("out", "session", "agent", bruno, "whatsapp", health),
        ("out", "template", "agent", bruno, "whatsapp", health),
    ]
    # Agent states and the pauses they end (reason, minutes)
    assert rows("agent.pause", "agent_id, reason, duration_ms") == [
        (ana, "Almoço", 60 * MINUTE),
        (ana, "Café", 10 * MINUTE),
        (bruno, "Almoço", 30 * MINUTE),
    ]
    assert rows("agent.state", "event, state, previous_state")[:2] == [
        ("agent.login", "available", "offline"),
        ("agent.pause", "paused", "available"),
    ]
    # Usage, as the ledger: one per message, with its kind and agent
    assert rows("usage", "billing_kind, direction, origin, agent_id, quantity")[-1] == (
        "template",
        "out",
        "system",
        0,
        1,
    )
    # Internal chat: who wrote to whom and the thread (its first message); never the text
    with schema_context(tenant.schema_name):
        first = {
            (m.sender_id, m.recipient_id, m.created_at): m.pk for m in InternalMessage.objects.all()
        }
    t1 = first[(ana, bruno, sp(10, 9, 15))]
    t2 = first[(ana, bruno, sp(10, 14))]
    t3 = first[(carla, ana, sp(10, 23, 50))]
    t4 = first[(bruno, carla, sp(11, 11))]
    assert rows("chat.message", "from_agent_id, agent_id, actor_id, attributes, team_id") == [
        (ana, bruno, ana, {"thread": str(t1)}, 0),
        (bruno, ana, bruno, {"thread": str(t1)}, 0),
        (ana, bruno, ana, {"thread": str(t1)}, 0),
        (ana, bruno, ana, {"thread": str(t2)}, 0),
        (carla, ana, carla, {"thread": str(t3)}, 0),
        (ana, carla, ana, {"thread": str(t3)}, 0),
        (bruno, carla, bruno, {"thread": str(t4)}, 0),
    ]
    leaked = ch.query(
        "SELECT count() FROM events WHERE tenant_id = {t:UInt64} AND (position(protocol, "
        "{x:String}) > 0 OR position(reason, {x:String}) > 0 OR "
        "arrayExists(v -> position(v, {x:String}) > 0, mapValues(attributes)))",
        parameters={"t": tenant.pk, "x": "123.456.789"},
    ).result_rows[0][0]
    assert leaked == 0
    # Times are the events' own (UTC), so the late-evening conversation is 11/03 in UTC
    assert rows("conversation.opened", "toString(occurred_at)")[1] == (
        sp(10, 23, 30).strftime("%Y-%m-%d %H:%M:%S.000000"),
    )


def test_rebuild_gives_the_same_rows(data: Dataset, ch: Client) -> None:
    # Given the tenant exported
    tenant = data.tenant
    tenant_export(tenant=tenant, max_batches=100, wait=True)
    columns = (
        "source, source_id, source_seq, kind, event, occurred_at, conversation_id, protocol, "
        "contact_id, channel_id, channel_type, team_id, agent_id, actor_id, actor_via, "
        "from_team_id, from_agent_id, origin, direction, message_type, billing_kind, state, "
        "previous_state, reason, score, duration_ms, quantity, amount, attributes"
    )

    def snapshot() -> list[tuple[Any, ...]]:
        return [
            tuple(row)
            for row in ch.query(
                f"SELECT {columns} FROM events FINAL WHERE tenant_id = {{t:UInt64}} "  # noqa: S608 - fixed names
                "ORDER BY source, source_id, source_seq",
                parameters={"t": tenant.pk},
            ).result_rows
        ]

    before = snapshot()
    assert len(before) == sum(EXPECTED_KINDS.values())

    # When the tenant's analytics are rebuilt from PostgreSQL (chat threads worked out again,
    # not remembered from the first export)
    sources._chat_threads.clear()
    result = tenant_rebuild(tenant=tenant, actor=Actor.command("tests"))

    # Then every row is the same, and nothing is doubled
    assert snapshot() == before
    assert result.rows["desk.messages"] == 14
    assert result.rows["routing.events"] == 14
    assert result.rows["billing.usage"] == 14
    assert result.rows["portal.internal_messages"] == 7
    assert result.rows["desk.captured_data"] == 7


@pytest.mark.req("6.5.48.11")
def test_chat_threads_are_worked_out_from_postgres_alone(data: Dataset) -> None:
    # Given nothing remembered from an earlier export
    sources._chat_threads.clear()
    ana, bruno, carla = (data.agents[name] for name in ("Ana", "Bruno", "Carla"))
    with schema_context(data.tenant.schema_name):
        by_time = {m.created_at: m for m in InternalMessage.objects.all()}

        # When the thread of each message is asked for, latest first (no earlier one known)
        starts = {
            at: sources.chat_thread_start(by_time[at]) for at in sorted(by_time, reverse=True)
        }

    # Then a thread runs back to the first message after a silence over 30 minutes
    t1, t2, t3 = (by_time[sp(10, 9, 15)], by_time[sp(10, 14)], by_time[sp(10, 23, 50)])
    assert (t1.sender_id, t2.sender_id, t3.sender_id) == (ana.pk, ana.pk, carla.pk)
    assert starts[sp(10, 9, 40)] == t1.pk  # two steps back: 09:40 → 09:16 → 09:15
    assert starts[sp(10, 9, 16)] == t1.pk
    assert starts[sp(10, 14)] == t2.pk  # 4 h 20 min after 09:40
    assert starts[sp(11, 0, 10)] == t3.pk  # across São Paulo midnight
    assert starts[sp(11, 11)] == by_time[sp(11, 11)].pk  # Bruno and Carla had not talked
    assert by_time[sp(11, 11)].sender_id == bruno.pk

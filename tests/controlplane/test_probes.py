"""Probes every 30 s: N consecutive failures open an incident and downtime from the first
failure; the first success closes both (REQ 6.2.3, 6.2.9)."""

from __future__ import annotations

import threading
from collections.abc import Callable, Iterator
from datetime import datetime, timedelta
from http.server import BaseHTTPRequestHandler, HTTPServer
from typing import Any

import pytest
from django.conf import settings
from django.test import Client

from controlplane.models import (
    Downtime,
    Incident,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    ProbeResult,
    ProbeState,
)
from controlplane.probes import checks
from controlplane.probes.registry import OutcomeKind, Probe, probe_get, probes
from controlplane.probes.runner import probe_results_purge, probes_run

from .conftest import Switch

pytestmark = pytest.mark.django_db


def run_at(probe: Probe, moment: datetime) -> None:
    probes_run(selected=[probe], now=moment)


@pytest.mark.req("6.2.3")
@pytest.mark.req("6.2.9")
def test_three_failures_open_an_incident_from_the_first_and_recovery_closes_it(
    fake_probe: Probe, switch: Switch, minutes_ago: Callable[[float], datetime]
) -> None:
    fall = minutes_ago(10)
    switch.broken = True
    run_at(fake_probe, fall)
    run_at(fake_probe, fall + timedelta(seconds=30))
    assert Incident.objects.count() == 0
    assert Downtime.objects.count() == 0

    run_at(fake_probe, fall + timedelta(seconds=60))

    incident = Incident.objects.get()
    assert incident.automatic is True
    assert incident.status == IncidentStatus.INVESTIGATING
    assert incident.started_at == fall
    assert incident.components == ["api"]
    downtime = Downtime.objects.get()
    assert (downtime.component, downtime.started_at, downtime.ended_at) == ("api", fall, None)
    assert downtime.probe_key == "componente_teste"
    assert "ConnectionError: recusou a conexão" in downtime.cause

    run_at(fake_probe, fall + timedelta(minutes=2))  # still failing: nothing new
    assert Incident.objects.count() == 1
    assert Downtime.objects.count() == 1

    switch.broken = False
    recovery = fall + timedelta(minutes=4)
    run_at(fake_probe, recovery)
    run_at(fake_probe, recovery + timedelta(seconds=30))

    downtime.refresh_from_db()
    incident.refresh_from_db()
    assert downtime.ended_at == recovery
    assert incident.status == IncidentStatus.RESOLVED
    assert incident.resolved_at == recovery
    assert [update.status for update in incident.updates.order_by("posted_at", "id")] == [
        IncidentStatus.INVESTIGATING,
        IncidentStatus.RESOLVED,
    ]
    assert ProbeResult.objects.filter(probe="componente_teste").count() == 6
    state = ProbeState.objects.get(probe="componente_teste")
    assert (state.down, state.consecutive_failures, state.incident) == (False, 0, None)


def test_a_short_blip_is_kept_in_the_results_but_opens_nothing(
    fake_probe: Probe, switch: Switch, minutes_ago: Callable[[float], datetime]
) -> None:
    switch.broken = True
    run_at(fake_probe, minutes_ago(5))
    run_at(fake_probe, minutes_ago(4.5))
    switch.broken = False
    run_at(fake_probe, minutes_ago(4))

    assert Incident.objects.count() == 0
    assert Downtime.objects.count() == 0
    assert list(ProbeResult.objects.order_by("checked_at").values_list("outcome", flat=True)) == [
        "failed",
        "failed",
        "ok",
    ]


def test_the_threshold_comes_from_settings(
    settings: Any, fake_probe: Probe, switch: Switch, minutes_ago: Callable[[float], datetime]
) -> None:
    settings.STATUS_PROBE_FAILURES_TO_OPEN = 1
    switch.broken = True

    run_at(fake_probe, minutes_ago(3))

    assert Incident.objects.count() == 1


def test_failing_during_maintenance_records_downtime_without_an_incident(
    fake_probe: Probe, switch: Switch, minutes_ago: Callable[[float], datetime]
) -> None:
    Maintenance.objects.create(
        title="Troca de servidor",
        description="Janela",
        components=["api"],
        scheduled_start=minutes_ago(30),
        scheduled_end=minutes_ago(-30),
        announced_at=minutes_ago(60 * 24 * 5),
        status=MaintenanceStatus.IN_PROGRESS,
        started_at=minutes_ago(30),
        created_by_label="op",
    )
    switch.broken = True
    for offset in (10, 9.5, 9):
        run_at(fake_probe, minutes_ago(offset))

    assert Incident.objects.count() == 0
    assert Downtime.objects.filter(probe_key="componente_teste", ended_at=None).count() == 1


def test_a_crashing_check_is_a_failure_with_its_message(
    minutes_ago: Callable[[float], datetime],
) -> None:
    def explode() -> Any:
        raise RuntimeError("disco cheio")

    probe = Probe("explode", "Explode", ("web",), explode)
    run_at(probe, minutes_ago(1))

    result = ProbeResult.objects.get(probe="explode")
    assert (result.outcome, result.detail) == ("failed", "RuntimeError: disco cheio")


def test_intake_probe_says_not_configured_until_the_pipeline_provides_its_hook(
    minutes_ago: Callable[[float], datetime], monkeypatch: pytest.MonkeyPatch
) -> None:
    probe = probe_get("intake")
    assert probe is not None
    monkeypatch.setattr(checks, "INTAKE_HEALTH_MODULE", "channels.intake.health_absent_here")

    def missing(name: str) -> Any:
        raise ModuleNotFoundError(name=name)

    monkeypatch.setattr(checks.importlib, "import_module", missing)
    outcome = checks.check_intake()

    assert outcome.kind == OutcomeKind.NOT_CONFIGURED
    run_at(Probe("intake", probe.label, probe.components, checks.check_intake), minutes_ago(1))
    assert ProbeState.objects.get(probe="intake").last_outcome == "not_configured"
    assert Incident.objects.count() == 0


def test_a_registered_hook_is_used_by_the_intake_probe(monkeypatch: pytest.MonkeyPatch) -> None:
    calls: list[str] = []

    class Hook:
        @staticmethod
        def intake_round_trip() -> None:
            calls.append("ida e volta")

    monkeypatch.setattr(checks.importlib, "import_module", lambda name: Hook)

    assert checks.check_intake().kind == OutcomeKind.OK
    assert calls == ["ida e volta"]


def test_builtin_probes_are_registered_and_scheduled_every_30_seconds() -> None:
    assert {probe.key for probe in probes()} >= {
        "web_login",
        "api_health",
        "intake",
        "postgresql",
        "redis",
        "clickhouse",
        "queue_lag",
    }
    entry = settings.CELERY_BEAT_SCHEDULE["controlplane-probes"]
    assert entry == {"task": "controlplane.tasks.probes_run", "schedule": 30.0}


def test_database_and_redis_probes_pass_against_the_real_servers() -> None:
    assert checks.check_postgresql().kind == OutcomeKind.OK
    assert checks.check_redis().kind == OutcomeKind.OK


def test_clickhouse_probe_is_not_configured_without_a_url(settings: Any) -> None:
    settings.CLICKHOUSE_URL = ""

    assert checks.check_clickhouse().kind == OutcomeKind.NOT_CONFIGURED


def test_queue_lag_probe_measures_a_heartbeat_through_the_worker() -> None:
    from controlplane.probes import queue

    client = queue.broker()
    client.delete(queue.PENDING_KEY, queue.LAST_LAG_KEY, queue.LAST_AT_KEY)

    first = checks.check_queue_lag()  # queues the heartbeat (run at once in tests)
    figures = queue.queue_figures()

    assert first.kind == OutcomeKind.OK
    assert figures.waiting_seconds is None
    assert figures.last_lag_seconds is not None
    assert set(figures.lengths) == {"celery"}


def test_queue_lag_probe_fails_when_the_heartbeat_waits_too_long(settings: Any) -> None:
    from django.utils import timezone

    from controlplane.probes import queue

    client = queue.broker()
    client.set(queue.PENDING_KEY, (timezone.now() - timedelta(minutes=10)).isoformat())
    try:
        outcome = checks.check_queue_lag()
    finally:
        client.delete(queue.PENDING_KEY)

    assert outcome.kind == OutcomeKind.FAILED
    assert "limite 120 s" in outcome.detail


class _Handler(BaseHTTPRequestHandler):
    status = 200
    body = b'<form><input name="password"></form>'

    def do_GET(self) -> None:
        self.send_response(self.status)
        self.send_header("Content-Type", "text/html")
        self.end_headers()
        self.wfile.write(self.body)

    def log_message(self, *args: Any) -> None:
        return


@pytest.fixture
def local_server() -> Iterator[tuple[str, type[_Handler]]]:
    handler = type("Handler", (_Handler,), {})
    server = HTTPServer(("127.0.0.1", 0), handler)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}/", handler
    server.shutdown()
    server.server_close()


def test_web_probe_reads_the_login_page_over_http(
    settings: Any, local_server: tuple[str, type[_Handler]]
) -> None:
    url, handler = local_server
    settings.STATUS_PROBE_WEB_URL = url

    assert checks.check_web_login().kind == OutcomeKind.OK
    handler.status = 502
    failed = checks.check_web_login()
    assert (failed.kind, failed.detail) == (OutcomeKind.FAILED, "HTTP 502")


def test_results_older_than_the_retention_are_purged(
    settings: Any, fake_probe: Probe, minutes_ago: Callable[[float], datetime]
) -> None:
    settings.STATUS_PROBE_RESULT_RETENTION_DAYS = 1
    run_at(fake_probe, minutes_ago(60 * 24 * 2))
    run_at(fake_probe, minutes_ago(1))

    assert probe_results_purge() == 1
    assert ProbeResult.objects.count() == 1


def test_operator_dashboard_shows_probe_outcomes(
    operator_client: Client, fake_probe: Probe, minutes_ago: Callable[[float], datetime]
) -> None:
    run_at(fake_probe, minutes_ago(1))

    response = operator_client.get("/controle/painel/dados/")

    assert response.status_code == 200
    assert "Página de entrada do console" in response.content.decode()

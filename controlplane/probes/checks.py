"""The platform's own probes: web login page, API health, webhook intake, PostgreSQL, Redis,
ClickHouse and the worker queue. Registered at import (see `controlplane.apps`)."""

from __future__ import annotations

import importlib
import time
from collections.abc import Callable

import httpx
import redis
from django.conf import settings
from django.db import connection
from django.utils.translation import gettext as _

from controlplane import components as c
from controlplane import conf
from controlplane.probes import queue
from controlplane.probes.delivery import delivery_probes
from controlplane.probes.registry import Probe, ProbeOutcome, register_probe
from controlplane.probes.reports import check_reports

INTAKE_HEALTH_MODULE = "channels.intake.health"
INTAKE_HEALTH_FUNCTION = "intake_round_trip"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def http_get_check(url: str, *, expect: Callable[[httpx.Response], str | None]) -> ProbeOutcome:
    """GET `url`; `expect` returns None when the answer is right, or what is wrong with it."""
    started = time.monotonic()
    try:
        response = httpx.get(url, timeout=conf.probe_timeout_seconds(), follow_redirects=False)
    except httpx.HTTPError as error:
        return ProbeOutcome.failed(f"{type(error).__name__}: {error}", _elapsed_ms(started))
    problem = expect(response)
    if problem:
        return ProbeOutcome.failed(problem, _elapsed_ms(started))
    return ProbeOutcome.ok(f"HTTP {response.status_code}", _elapsed_ms(started))


def _expect_login_page(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    if 'name="password"' not in response.text:
        return "a página de entrada não tem o formulário de senha"
    return None


def _expect_health(response: httpx.Response) -> str | None:
    if response.status_code != 200:
        return f"HTTP {response.status_code}"
    try:
        body = response.json()
    except ValueError:
        return "resposta não é JSON"
    if body.get("status") != "ok":
        return f"status {body.get('status')!r}"
    return None


def check_web_login() -> ProbeOutcome:
    return http_get_check(conf.probe_web_url(), expect=_expect_login_page)


def check_api_health() -> ProbeOutcome:
    return http_get_check(conf.probe_api_url(), expect=_expect_health)


def check_intake() -> ProbeOutcome:
    """Runs the intake pipeline's own round trip, once that pipeline provides one.

    The hook is `channels.intake.health.intake_round_trip()`: it sends an event through the
    provider simulator into the intake and returns when it was stored (raises otherwise). Until
    that module exists the probe says so, rather than reporting a health it never measured.
    """
    try:
        module = importlib.import_module(INTAKE_HEALTH_MODULE)
    except ModuleNotFoundError as error:
        if error.name not in {INTAKE_HEALTH_MODULE, "channels.intake"}:
            raise  # the hook exists but is broken: that is a failure, not "not configured"
        return ProbeOutcome.not_configured(
            _("O recebimento de webhooks ainda não oferece verificação de ida e volta.")
        )
    round_trip = getattr(module, INTAKE_HEALTH_FUNCTION, None)
    if not callable(round_trip):
        return ProbeOutcome.not_configured(
            _("O recebimento de webhooks ainda não oferece verificação de ida e volta.")
        )
    started = time.monotonic()
    round_trip()
    return ProbeOutcome.ok(latency_ms=_elapsed_ms(started))


def check_postgresql() -> ProbeOutcome:
    started = time.monotonic()
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1")
        cursor.fetchone()
    return ProbeOutcome.ok(latency_ms=_elapsed_ms(started))


def check_redis() -> ProbeOutcome:
    started = time.monotonic()
    client = redis.Redis.from_url(
        settings.REDIS_URL,
        socket_timeout=conf.probe_timeout_seconds(),
        socket_connect_timeout=conf.probe_timeout_seconds(),
    )
    try:
        client.ping()
    finally:
        client.close()
    return ProbeOutcome.ok(latency_ms=_elapsed_ms(started))


def check_clickhouse() -> ProbeOutcome:
    url = str(getattr(settings, "CLICKHOUSE_URL", "") or "")
    if not url:
        return ProbeOutcome.not_configured(_("CLICKHOUSE_URL não definido."))
    if not url.startswith(("http://", "https://", "clickhouse://", "clickhouses://")):
        return ProbeOutcome.not_configured(
            _("ClickHouse embutido neste processo: sem servidor para sondar.")
        )
    import clickhouse_connect

    started = time.monotonic()
    client = clickhouse_connect.get_client(
        dsn=url,
        connect_timeout=conf.probe_timeout_seconds(),
        send_receive_timeout=conf.probe_timeout_seconds(),
    )
    try:
        client.command("SELECT 1")
    finally:
        client.close()
    return ProbeOutcome.ok(latency_ms=_elapsed_ms(started))


def check_queue_lag() -> ProbeOutcome:
    figures = queue.queue_heartbeat_probe()
    limit = conf.queue_lag_limit_seconds()
    lengths = ", ".join(f"{name}={size}" for name, size in figures.lengths.items())
    if figures.waiting_seconds is not None and figures.waiting_seconds > limit:
        return ProbeOutcome.failed(
            _("Os workers não processam a fila há %(seconds)d s (limite %(limit)d s); %(lengths)s")
            % {"seconds": figures.waiting_seconds, "limit": limit, "lengths": lengths}
        )
    lag = figures.last_lag_seconds
    return ProbeOutcome.ok(
        _("atraso %(lag)s s; %(lengths)s")
        % {"lag": "—" if lag is None else f"{lag:.1f}", "lengths": lengths}
    )


def register_builtin_probes() -> None:
    everything = tuple(c.component_keys())
    channels = tuple(c.channel_component_keys())
    builtin = [
        Probe("web_login", "Página de entrada do console", (c.WEB,), check_web_login),
        Probe("api_health", "Saúde da API", (c.API,), check_api_health),
        Probe("intake", "Recebimento de webhooks (ida e volta)", (c.INTAKE,), check_intake),
        Probe("postgresql", "PostgreSQL", everything, check_postgresql),
        Probe("redis", "Redis", (c.WEB, c.API, c.INTAKE, *channels), check_redis),
        Probe("clickhouse", "ClickHouse", (c.REPORTS,), check_clickhouse),
        Probe("queue_lag", "Fila dos workers", (c.INTAKE, *channels), check_queue_lag),
        Probe("reports", "Relatórios (PDF e ClickHouse)", (c.REPORTS,), check_reports),
        *delivery_probes(),
    ]
    for probe in builtin:
        register_probe(probe, replace=True)

"""Fixtures for analytics: a real chDB behind the loopback service (analytics.server), started
once per test session (per xdist worker) on a free port with its own data folder, migrated with
`clickhouse_migrate`; and fresh tenants, so each test reads only its own ClickHouse rows
(isolation by tenant, never by truncating: tenant ids are never reused).

Set ANALYTICS_TEST_CLICKHOUSE_URL to run against a ClickHouse server instead; each worker then
uses a database of its own.
"""

from __future__ import annotations

import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
import uuid
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from django.core.management import call_command
from django.test import override_settings
from django_tenants.utils import schema_context
from validate_docbr import CNPJ

from analytics.client import client_create, client_reset
from security.actors import Actor
from security.audit import audit_record
from security.models import AuditEntry
from tenants.models import Tenant
from tenants.services import tenant_provision

ROOT = Path(__file__).resolve().parents[2]


@dataclass(frozen=True)
class ClickHouseService:
    url: str
    startup_seconds: float  # launch to first answered /ping (chDB import included)
    process: subprocess.Popen[bytes] | None
    path: Path | None


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def answers(port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://127.0.0.1:{port}/ping", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def service_start(path: Path, *, password: str) -> tuple[subprocess.Popen[bytes], int, float]:
    port = free_port()
    began = time.perf_counter()
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "analytics.server",
            "--path",
            str(path),
            "--port",
            str(port),
            "--exit-with-parent",
        ],
        cwd=ROOT,
        stdout=subprocess.DEVNULL,
        env={**os.environ, "ANALYTICS_SERVER_PASSWORD": password},
    )
    while not answers(port):
        if process.poll() is not None:
            raise RuntimeError(f"analytics.server exited with {process.returncode}")
        if time.perf_counter() - began > 120:
            process.kill()
            raise RuntimeError("analytics.server did not answer in 120 s")
        time.sleep(0.05)
    return process, port, time.perf_counter() - began


def service_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


@pytest.fixture(scope="session")
def clickhouse_service(tmp_path_factory: pytest.TempPathFactory) -> Iterator[ClickHouseService]:
    server_url = os.environ.get("ANALYTICS_TEST_CLICKHOUSE_URL", "")
    if server_url:
        worker = os.environ.get("PYTEST_XDIST_WORKER", "main")
        database = f"test_analytics_{worker}"
        admin = client_create(server_url, database="default")
        admin.command(f"DROP DATABASE IF EXISTS `{database}`")
        admin.command(f"CREATE DATABASE `{database}`")
        base = server_url.rsplit("/", 1)[0] if server_url.count("/") > 2 else server_url
        yield ClickHouseService(
            url=f"{base}/{database}", startup_seconds=0.0, process=None, path=None
        )
        return
    path = tmp_path_factory.mktemp("chdb")
    password = secrets.token_urlsafe(16)
    process, port, seconds = service_start(path, password=password)
    try:
        yield ClickHouseService(
            url=f"http://default:{password}@127.0.0.1:{port}/default",
            startup_seconds=seconds,
            process=process,
            path=path,
        )
    finally:
        service_stop(process)


@pytest.fixture(scope="session")
def clickhouse_url(clickhouse_service: ClickHouseService) -> Iterator[str]:
    """CLICKHOUSE_URL pointed at the session's service, with the migrations applied."""
    override = override_settings(CLICKHOUSE_URL=clickhouse_service.url)
    override.enable()
    client_reset()
    call_command("clickhouse_migrate", verbosity=0, stdout=open(os.devnull, "w"))  # noqa: SIM115
    try:
        yield clickhouse_service.url
    finally:
        client_reset()
        override.disable()


@pytest.fixture
def ch(clickhouse_url: str) -> Iterator[Client]:
    client = client_create(clickhouse_url)
    yield client
    client.close()


MakeTenant = Callable[..., Tenant]


@pytest.fixture
def make_tenant(db: None, clickhouse_url: str) -> MakeTenant:
    """A newly provisioned tenant (its id never used before), rolled back with the test; its
    ClickHouse rows stay but no other test reads that tenant id."""

    def make(name: str = "Prefeitura de Teste") -> Tenant:
        slug = f"an{uuid.uuid4().hex[:12]}"
        tenant_provision(
            actor=Actor.command("tests"),
            name=name,
            cnpj=CNPJ().generate(),
            slug=slug,
            contract_start=date(2026, 1, 1),
            contract_end=date(2027, 12, 31),
            admin_name="Admin",
            admin_email=f"admin@{slug}.gov.br",
        )
        return Tenant.objects.get(slug=slug)

    return make


@pytest.fixture
def tenant(make_tenant: MakeTenant) -> Tenant:
    return make_tenant()


AuditAt = Callable[..., AuditEntry]


@pytest.fixture
def audit_at() -> AuditAt:
    """Writes an audit entry in the tenant's schema through audit_record, then sets its time
    (the chain hash no longer verifies; analytics does not read it)."""

    def write(
        tenant: Tenant,
        when: datetime,
        *,
        actor: str,
        action: str,
        object_type: str = "",
        object_id: str = "",
        actor_id: int | None = None,
        **kwargs: Any,
    ) -> AuditEntry:
        with schema_context(tenant.schema_name):
            entry = audit_record(
                actor=Actor(user_id=actor_id, label=actor, via="web"),
                action=action,
                object_type=object_type,
                object_id=object_id,
                **kwargs,
            )
            AuditEntry.objects.filter(pk=entry.pk).update(occurred_at=when)
            entry.refresh_from_db()
        return entry

    return write


def clickhouse_count(client: Client, tenant: Tenant, *, final: bool = True) -> int:
    modifier = "FINAL" if final else ""
    return int(
        client.query(
            f"SELECT count() FROM audit_events {modifier} WHERE tenant_id = {{tenant:UInt64}}",  # noqa: S608 - a keyword
            parameters={"tenant": tenant.pk},
        ).result_rows[0][0]
    )


def postgres_count(tenant: Tenant) -> int:
    with schema_context(tenant.schema_name):
        return AuditEntry.objects.count()

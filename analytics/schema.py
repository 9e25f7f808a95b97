"""ClickHouse schema migrations of our own: numbered SQL files in `analytics/migrations_ch/`,
applied in order by `manage.py clickhouse_migrate`, recorded in the `clickhouse_migrations`
table of the same database. The same files run on chDB and on a ClickHouse server.

ClickHouse DDL is not transactional, so a migration's statements must be safe to run again
(`CREATE TABLE IF NOT EXISTS`, `ADD COLUMN IF NOT EXISTS`...): a migration interrupted halfway
is applied again from its first statement, and recorded only when all of them succeeded.
"""

from __future__ import annotations

import hashlib
import re
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from clickhouse_connect.driver.client import Client

from analytics.wire import insert_rows

MIGRATIONS_DIR = Path(__file__).resolve().parent / "migrations_ch"
BOOKKEEPING_TABLE = "clickhouse_migrations"
_FILE_NAME = re.compile(r"^(?P<number>\d{4})_(?P<label>[a-z0-9_]+)\.sql$")
# A statement ends with `;` at the end of a line (our files never put one inside a string).
_STATEMENT_END = re.compile(r";[ \t]*(?:\n|$)")

_BOOKKEEPING_DDL = f"""
CREATE TABLE IF NOT EXISTS {BOOKKEEPING_TABLE}
(
    name       String,
    checksum   String,
    applied_at DateTime64(3, 'UTC')
)
ENGINE = ReplacingMergeTree(applied_at)
ORDER BY name
"""


@dataclass(frozen=True)
class Migration:
    name: str  # "0001_initial"
    path: Path

    @property
    def text(self) -> str:
        return self.path.read_text(encoding="utf-8")

    @property
    def checksum(self) -> str:
        return hashlib.sha256(self.text.encode()).hexdigest()

    def statements(self) -> list[str]:
        without_comments = "\n".join(
            line for line in self.text.splitlines() if not line.lstrip().startswith("--")
        )
        return [part.strip() for part in _STATEMENT_END.split(without_comments) if part.strip()]


@dataclass(frozen=True)
class MigrationState:
    migration: Migration
    applied: bool
    changed: bool  # applied, but the file differs from what was applied


def migrations_list(directory: Path = MIGRATIONS_DIR) -> list[Migration]:
    found = []
    for path in sorted(directory.iterdir()):
        match = _FILE_NAME.match(path.name)
        if match is not None:
            found.append(Migration(name=path.stem, path=path))
    numbers = [migration.name[:4] for migration in found]
    duplicated = sorted({number for number in numbers if numbers.count(number) > 1})
    if duplicated:
        raise ValueError(f"two ClickHouse migrations share the number(s) {', '.join(duplicated)}")
    return found


def bookkeeping_ensure(client: Client) -> None:
    client.command(_BOOKKEEPING_DDL)


def migrations_applied(client: Client) -> dict[str, str]:
    """name -> checksum of every migration recorded as applied."""
    bookkeeping_ensure(client)
    result = client.query(
        f"SELECT name, argMax(checksum, applied_at) FROM {BOOKKEEPING_TABLE} GROUP BY name"  # noqa: S608 - a constant
    )
    return {str(name): str(checksum) for name, checksum in result.result_rows}


def migrations_state(client: Client, directory: Path = MIGRATIONS_DIR) -> list[MigrationState]:
    applied = migrations_applied(client)
    return [
        MigrationState(
            migration=migration,
            applied=migration.name in applied,
            changed=migration.name in applied and applied[migration.name] != migration.checksum,
        )
        for migration in migrations_list(directory)
    ]


def migrate(
    client: Client,
    *,
    directory: Path = MIGRATIONS_DIR,
    progress: Callable[[str], None] = lambda line: None,
) -> list[str]:
    """Applies the migrations not yet recorded, in order; returns their names."""
    done: list[str] = []
    for state in migrations_state(client, directory):
        if state.changed:
            progress(f"  {state.migration.name}: changed after it was applied (not re-run)")
        if state.applied:
            continue
        started = time.perf_counter()
        progress(f"  Applying {state.migration.name}...")
        for statement in state.migration.statements():
            client.command(statement)
        insert_rows(
            client,
            BOOKKEEPING_TABLE,
            ["name", "checksum", "applied_at"],
            [(state.migration.name, state.migration.checksum, datetime.now(tz=UTC))],
        )
        progress(f"  Applied {state.migration.name} ({time.perf_counter() - started:.2f} s)")
        done.append(state.migration.name)
    return done

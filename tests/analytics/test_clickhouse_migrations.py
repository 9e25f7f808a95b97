"""ClickHouse DDL as numbered migrations of our own, applied by `manage.py clickhouse_migrate`."""

from __future__ import annotations

import io
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from clickhouse_connect.driver.client import Client
from django.core.management import call_command

from analytics.client import client_create
from analytics.schema import MIGRATIONS_DIR, migrate, migrations_list


def test_migrations_apply_once_and_rerun_applies_nothing(clickhouse_url: str, ch: Client) -> None:
    # Given the session applied them already
    out = io.StringIO()

    # When migrate runs again
    call_command("clickhouse_migrate", stdout=out)

    # Then nothing is applied twice
    assert "No migrations to apply." in out.getvalue()
    names = [migration.name for migration in migrations_list()]
    recorded = ch.query(
        "SELECT name, count() FROM clickhouse_migrations WHERE name IN {names:Array(String)} "
        "GROUP BY name ORDER BY name",
        parameters={"names": names},
    ).result_rows
    assert recorded == [(name, 1) for name in names]
    listing = io.StringIO()
    call_command("clickhouse_migrate", list=True, stdout=listing)
    assert [line.strip() for line in listing.getvalue().splitlines()[1:]] == [
        f"[X] {name}" for name in names
    ]


def test_tables_have_the_tenant_first_and_monthly_partitions(ch: Client) -> None:
    tables = ch.query(
        "SELECT name, engine, partition_key, sorting_key FROM system.tables "
        "WHERE database = currentDatabase() AND name IN ('audit_events', 'events') ORDER BY name"
    ).result_rows
    assert tables == [
        (
            "audit_events",
            "ReplacingMergeTree",
            "toYYYYMM(occurred_at)",
            "tenant_id, occurred_at, entry_id",
        ),
        (
            "events",
            "ReplacingMergeTree",
            "toYYYYMM(occurred_at)",
            "tenant_id, kind, occurred_at, source, source_id, source_seq",
        ),
    ]


@pytest.fixture
def scratch_database(clickhouse_url: str) -> Iterator[Client]:
    """A database of its own, so this test's bookkeeping never mixes with the session's."""
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    admin = client_create(clickhouse_url)
    admin.command(f"CREATE DATABASE {name}")
    client = client_create(clickhouse_url, database=name)
    yield client
    client.close()
    admin.command(f"DROP DATABASE {name}")
    admin.close()


def test_a_new_migration_applies_in_order_once(scratch_database: Client, tmp_path: Path) -> None:
    # Given the project's migrations and a new one numbered after them
    for migration in migrations_list():
        (tmp_path / migration.path.name).write_text(migration.text)
    (tmp_path / "9001_add_column.sql").write_text(
        "-- a column for a later report\n"
        "ALTER TABLE events ADD COLUMN IF NOT EXISTS sentiment_model LowCardinality(String);\n"
    )
    (tmp_path / "notes.txt").write_text("not a migration")
    lines: list[str] = []

    # When applied twice
    first = migrate(scratch_database, directory=tmp_path, progress=lines.append)
    second = migrate(scratch_database, directory=tmp_path)

    # Then each applies once, in order, with progress lines
    assert first == [*(m.name for m in migrations_list()), "9001_add_column"]
    assert second == []
    assert lines[-2:] == ["  Applying 9001_add_column...", lines[-1]]
    assert lines[-1].startswith("  Applied 9001_add_column (")
    columns = scratch_database.query(
        "SELECT name FROM system.columns WHERE database = currentDatabase() "
        "AND table = 'events' AND name = 'sentiment_model'"
    ).result_rows
    assert columns == [("sentiment_model",)]


def test_migration_files_are_numbered_and_split_into_statements() -> None:
    migrations = migrations_list()
    assert migrations[0].name == "0001_initial"
    assert all(m.path.parent == MIGRATIONS_DIR for m in migrations)
    statements = migrations[0].statements()
    assert [s.split("(")[0].strip() for s in statements] == [
        "CREATE TABLE IF NOT EXISTS audit_events",
        "CREATE TABLE IF NOT EXISTS events",
    ]

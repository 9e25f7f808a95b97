"""Encrypted backups per schema and a restore into a new schema that must match row for row
(REQ 6.2.14). pg_dump runs in its own connection, so it sees committed data: the tenants that
the test session provisioned, with their users, roles and audit trail."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import Any

import pytest
from django.core.management import call_command
from django.utils import timezone
from psycopg import sql

from controlplane.backup import crypto
from controlplane.backup.postgres import connect, schema_exists, schema_manifest
from controlplane.backup.services import (
    backup_schema,
    backup_tenant,
    backups_expire,
    restore_schema,
)
from controlplane.errors import BackupError
from controlplane.models import Backup, BackupStatus
from security.actors import Actor
from tenants.models import Tenant

from .conftest import BACKUP_KEY

pytestmark = pytest.mark.django_db
ACTOR = Actor.command("tests")
TARGET = "alfa_restaurado"


@pytest.fixture
def drop_target() -> Iterator[str]:
    yield TARGET
    with connect(autocommit=True) as conn:
        conn.execute(sql.SQL("DROP SCHEMA IF EXISTS {} CASCADE").format(sql.Identifier(TARGET)))


@pytest.mark.req("6.2.14")
def test_backup_then_restore_into_a_new_schema_is_identical(
    backup_settings: Path, tenant_alfa: Tenant, drop_target: str
) -> None:
    backup = backup_tenant(tenant=tenant_alfa, actor=ACTOR)

    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    dump = Path(backup.path)
    assert dump.exists() and dump.stat().st_mode & 0o777 == 0o600
    assert dump.read_bytes()[: len(crypto.MAGIC)] == crypto.MAGIC
    assert b"CREATE TABLE" not in dump.read_bytes()  # only ciphertext on disk
    tables = backup.manifest["tables"]
    assert tables["accounts_user"]["rows"] >= 1

    report = restore_schema(dump_path=dump, target=drop_target, actor=ACTOR)

    with connect(autocommit=True) as conn:
        assert schema_manifest(conn, drop_target) == schema_manifest(conn, "alfa") == tables
    assert report.tables == len(tables)
    assert report.rows == sum(table["rows"] for table in tables.values())


def test_restore_command_refuses_an_existing_schema(
    backup_settings: Path, tenant_alfa: Tenant
) -> None:
    backup_tenant(tenant=tenant_alfa, actor=ACTOR)

    with pytest.raises(Exception, match="já existe"):
        call_command("restore_tenant", "alfa", "--into", "beta")


def test_restore_command_restores_and_verifies(
    backup_settings: Path, tenant_alfa: Tenant, drop_target: str, capsys: Any
) -> None:
    call_command("backup_tenant", "alfa")
    call_command("restore_tenant", "alfa", "--into", drop_target)

    assert "contagens e somas conferem" in capsys.readouterr().out
    with connect(autocommit=True) as conn:
        assert schema_exists(conn, drop_target)


def test_altered_backup_file_is_refused(backup_settings: Path, tenant_alfa: Tenant) -> None:
    backup = backup_tenant(tenant=tenant_alfa, actor=ACTOR)
    dump = Path(backup.path)
    data = bytearray(dump.read_bytes())
    data[len(data) // 2] ^= 0x01
    dump.write_bytes(bytes(data))

    with pytest.raises(BackupError, match="corrupt or was altered"):
        restore_schema(dump_path=dump, target=TARGET, actor=ACTOR)
    with connect(autocommit=True) as conn:
        assert not schema_exists(conn, TARGET)


def test_backup_with_another_key_cannot_be_read(
    backup_settings: Path, tenant_alfa: Tenant, settings: Any
) -> None:
    backup = backup_tenant(tenant=tenant_alfa, actor=ACTOR)
    settings.BACKUP_ENCRYPTION_KEY = crypto.base64.urlsafe_b64encode(b"k" * 32).decode()

    with pytest.raises(BackupError, match="another key"):
        restore_schema(dump_path=Path(backup.path), target=TARGET, actor=ACTOR)


def test_no_key_no_backup(settings: Any, tenant_alfa: Tenant) -> None:
    settings.BACKUP_ENCRYPTION_KEY = ""

    with pytest.raises(BackupError, match="BACKUP_ENCRYPTION_KEY"):
        backup_tenant(tenant=tenant_alfa, actor=ACTOR)


def test_public_schema_backup(backup_settings: Path) -> None:
    backup = backup_schema(schema_name="public", actor=ACTOR)

    assert backup.status == BackupStatus.SUCCEEDED, backup.error
    assert "tenants_tenant" in backup.manifest["tables"]


def test_retention_removes_old_files_but_keeps_the_newest_of_each_schema(
    backup_settings: Path, tenant_alfa: Tenant, settings: Any
) -> None:
    settings.BACKUP_RETENTION_DAYS = 7
    old = backup_tenant(tenant=tenant_alfa, actor=ACTOR)
    newer = backup_tenant(tenant=tenant_alfa, actor=ACTOR)
    Backup.objects.filter(pk__in=[old.pk, newer.pk]).update(
        started_at=timezone.now() - timedelta(days=30)
    )
    Backup.objects.filter(pk=newer.pk).update(started_at=timezone.now() - timedelta(days=20))

    assert backups_expire() == 1

    old.refresh_from_db()
    assert old.status == BackupStatus.EXPIRED
    assert not Path(old.path).exists()
    assert Path(newer.path).exists()


def test_crypto_round_trip_across_chunks() -> None:
    key = crypto.parse_key(BACKUP_KEY)
    data = bytes(range(256)) * (crypto.CHUNK_SIZE // 256 * 2 + 3)

    sealed = crypto.encrypt_bytes(data, key)

    assert crypto.decrypt_bytes(sealed, key) == data
    with pytest.raises(crypto.BackupCryptoError, match="truncated"):
        crypto.decrypt_bytes(sealed[: len(sealed) // 2], key)


def test_scheduled_backup_is_in_beat() -> None:
    from django.conf import settings

    assert settings.CELERY_BEAT_SCHEDULE["controlplane-backups"]["task"] == (
        "controlplane.tasks.backups_run"
    )

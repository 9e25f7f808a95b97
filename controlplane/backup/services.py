"""Backups of one schema (a client's, or the public one) and restores into a new schema.

A backup reads the schema's manifest (row counts and checksums) and runs pg_dump inside one
exported snapshot, so the dump and the manifest describe the same instant. The dump is encrypted
as it streams to disk; the plain text never touches the disk. A restore decrypts to a private
temporary directory, restores into the target schema and compares it with the manifest: any
difference fails the restore loudly.

Restoring under another name goes through a scratch database (pg_dump writes schema-qualified
SQL, so a schema cannot be renamed on the way in): restore there, rename, dump again, restore
here. The database role needs CREATEDB for that.
"""

from __future__ import annotations

import hashlib
import json
import logging
import os
import subprocess
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _
from psycopg import sql

from controlplane import conf
from controlplane.backup import crypto
from controlplane.backup.postgres import (
    SCHEMA_NAME,
    connect,
    libpq_environment,
    schema_exists,
    schema_manifest,
)
from controlplane.errors import BackupError, RestoreVerificationError
from controlplane.models import Backup, BackupStatus
from controlplane.selectors.tenants import tenant_list_all_tenants
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant, TenantStatus

logger = logging.getLogger(__name__)

MANIFEST_FORMAT = 1
RESERVED_TARGETS = frozenset({"public", "information_schema"})


def _key() -> bytes:
    encoded = conf.backup_encryption_key()
    if not encoded:
        raise BackupError(_("Defina BACKUP_ENCRYPTION_KEY: backups só são gravados cifrados."))
    try:
        return crypto.parse_key(encoded)
    except crypto.BackupCryptoError as error:
        raise BackupError(str(error)) from error


def _run(command: list[str], *, dbname: str | None = None, **kwargs: Any) -> None:
    result = subprocess.run(  # noqa: S603 - fixed executables, arguments built here
        command, env=libpq_environment(dbname), capture_output=True, check=False, **kwargs
    )
    if result.returncode != 0:
        stderr = result.stderr.decode(errors="replace").strip()
        raise BackupError(f"{command[0]} falhou ({result.returncode}): {stderr[-2000:]}")


def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        for block in iter(lambda: handle.read(1024 * 1024), b""):
            digest.update(block)
    return digest.hexdigest()


def manifest_path(dump_path: Path) -> Path:
    return dump_path.with_name(dump_path.name.removesuffix(".dump.enc") + ".manifest.enc")


def backup_schema(
    *,
    schema_name: str,
    actor: Actor,
    tenant: Tenant | None = None,
    now: datetime | None = None,
) -> Backup:
    """Dumps one schema, encrypted, with its manifest. Returns the Backup row (failed or not)."""
    key = _key()
    now = now or timezone.now()
    stamp = now.strftime("%Y%m%dT%H%M%S%fZ")
    directory = Path(conf.backup_dir()) / schema_name
    directory.mkdir(parents=True, exist_ok=True, mode=0o700)
    dump_path = directory / f"{schema_name}-{stamp}.dump.enc"
    backup = Backup.objects.create(
        schema_name=schema_name, tenant=tenant, started_at=now, path=str(dump_path)
    )
    try:
        with connect(autocommit=False) as conn:
            conn.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
            if not schema_exists(conn, schema_name):
                raise BackupError(_("O esquema %(schema)s não existe.") % {"schema": schema_name})
            snapshot_row = conn.execute("SELECT pg_export_snapshot()").fetchone()
            assert snapshot_row is not None
            tables = schema_manifest(conn, schema_name)
            command = [
                "pg_dump",
                "--format=custom",
                "--no-owner",
                "--no-privileges",
                f"--snapshot={snapshot_row[0]}",
                f"--schema={schema_name}",
            ]
            process = subprocess.Popen(  # noqa: S603
                command,
                env=libpq_environment(),
                stdout=subprocess.PIPE,
                stderr=subprocess.PIPE,
            )
            assert process.stdout is not None and process.stderr is not None
            with dump_path.open("wb") as target:
                os.chmod(dump_path, 0o600)
                crypto.encrypt_stream(process.stdout, target, key)  # type: ignore[arg-type]
            stderr = process.stderr.read().decode(errors="replace")
            if process.wait() != 0:
                raise BackupError(f"pg_dump falhou: {stderr.strip()[-2000:]}")
            conn.rollback()
        manifest = {
            "format": MANIFEST_FORMAT,
            "schema": schema_name,
            "taken_at": now.isoformat(),
            "tables": tables,
        }
        manifest_file = manifest_path(dump_path)
        manifest_file.write_bytes(crypto.encrypt_bytes(json.dumps(manifest).encode(), key))
        os.chmod(manifest_file, 0o600)
    except Exception as error:
        dump_path.unlink(missing_ok=True)
        backup.status = BackupStatus.FAILED
        backup.error = str(error)[:4000]
        backup.finished_at = timezone.now()
        backup.save(update_fields=["status", "error", "finished_at"])
        logger.exception("backup of %s failed", schema_name)
        audit_record(
            actor=actor,
            action="backup.failed",
            target=backup,
            after={"schema": schema_name, "error": backup.error},
        )
        return backup
    backup.status = BackupStatus.SUCCEEDED
    backup.finished_at = timezone.now()
    backup.size_bytes = dump_path.stat().st_size
    backup.sha256 = _sha256(dump_path)
    backup.manifest = manifest
    backup.save(update_fields=["status", "finished_at", "size_bytes", "sha256", "manifest"])
    audit_record(
        actor=actor,
        action="backup.create",
        target=backup,
        after={
            "schema": schema_name,
            "path": str(dump_path),
            "sha256": backup.sha256,
            "tables": len(tables),
        },
    )
    return backup


def backup_request(*, actor: Actor, tenant: Tenant) -> None:
    """An operator asks for a backup now: recorded with who asked, taken by a worker."""
    from controlplane.tasks import backup_tenant_task

    with transaction.atomic():
        audit_record(
            actor=actor,
            action="backup.request",
            target=tenant,
            after={"schema": tenant.schema_name},
        )
        transaction.on_commit(lambda: backup_tenant_task.delay(tenant.pk, actor.label))


def backup_tenant(*, tenant: Tenant, actor: Actor) -> Backup:
    return backup_schema(schema_name=tenant.schema_name, tenant=tenant, actor=actor)


def backup_all(*, actor: Actor | None = None) -> list[Backup]:
    """The public schema and every client's schema. An archived client no longer changes: once
    it has a backup it is left out (retention always keeps each schema's newest backup)."""
    actor = actor or Actor.system("backup agendado")
    backups = [backup_schema(schema_name=settings.PUBLIC_SCHEMA_NAME, actor=actor)]
    backups.extend(backup_tenant(tenant=tenant, actor=actor) for tenant in tenant_backups_due())
    return backups


def backups_expire(*, now: datetime | None = None) -> int:
    """Deletes the files of successful backups older than the retention, always keeping the
    newest successful backup of each schema. Returns how many expired."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.backup_retention_days())
    newest = dict(
        Backup.objects.filter(status=BackupStatus.SUCCEEDED)
        .values("schema_name")
        .annotate(last=Max("started_at"))
        .values_list("schema_name", "last")
    )
    expired = 0
    for backup in Backup.objects.filter(status=BackupStatus.SUCCEEDED, started_at__lt=cutoff):
        if newest.get(backup.schema_name) == backup.started_at:
            continue
        path = Path(backup.path)
        path.unlink(missing_ok=True)
        manifest_path(path).unlink(missing_ok=True)
        backup.status = BackupStatus.EXPIRED
        backup.expired_at = now
        backup.save(update_fields=["status", "expired_at"])
        expired += 1
    return expired


# --- Restore ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class RestoreReport:
    source_schema: str
    target_schema: str
    tables: int
    rows: int


def read_manifest(dump_path: Path) -> dict[str, Any]:
    try:
        data = crypto.decrypt_bytes(manifest_path(dump_path).read_bytes(), _key())
    except (OSError, crypto.BackupCryptoError) as error:
        raise BackupError(str(error)) from error
    manifest: dict[str, Any] = json.loads(data)
    if manifest.get("format") != MANIFEST_FORMAT:
        raise BackupError(_("Formato de manifesto desconhecido."))
    return manifest


def _check_target(target: str) -> None:
    if not SCHEMA_NAME.match(target) or target in RESERVED_TARGETS or target.startswith("pg_"):
        raise BackupError(
            _("Nome de esquema inválido: use letras minúsculas, números e _ (até 63).")
        )
    if target == settings.TENANT_BASE_SCHEMA:
        raise BackupError(_("O esquema modelo não pode ser destino de uma restauração."))


def _create_scratch_database() -> str:
    name = f"restore_{uuid.uuid4().hex[:16]}"
    with connect(autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))
    return name


def _drop_database(name: str) -> None:
    with connect(autocommit=True) as conn:
        conn.execute(
            sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name))
        )


def _restore_file(dump: Path, *, dbname: str | None = None) -> None:
    _run(
        [
            "pg_restore",
            "--no-owner",
            "--no-privileges",
            "--exit-on-error",
            "--single-transaction",
            f"--dbname={libpq_environment(dbname)['PGDATABASE']}",
            str(dump),
        ],
        dbname=dbname,
    )


def verify_schema(schema: str, manifest: dict[str, Any]) -> RestoreReport:
    with connect(autocommit=True) as conn:
        actual = schema_manifest(conn, schema)
    expected: dict[str, dict[str, Any]] = manifest["tables"]
    problems = []
    for table in sorted(set(expected) | set(actual)):
        want, got = expected.get(table), actual.get(table)
        if want is None:
            problems.append(f"{table}: tabela a mais na restauração")
        elif got is None:
            problems.append(f"{table}: tabela ausente na restauração")
        elif want != got:
            problems.append(
                f"{table}: esperado {want['rows']} linhas/{want['checksum']}, "
                f"obtido {got['rows']} linhas/{got['checksum']}"
            )
    if problems:
        raise RestoreVerificationError(
            _("A restauração não confere com o backup: %(problems)s")
            % {"problems": "; ".join(problems)}
        )
    return RestoreReport(
        source_schema=str(manifest["schema"]),
        target_schema=schema,
        tables=len(actual),
        rows=sum(item["rows"] for item in actual.values()),
    )


def restore_schema(*, dump_path: Path, target: str, actor: Actor) -> RestoreReport:
    """Restores the backup at `dump_path` into the new schema `target` and verifies it."""
    _check_target(target)
    key = _key()
    manifest = read_manifest(dump_path)
    source = str(manifest["schema"])
    with connect(autocommit=True) as conn:
        if schema_exists(conn, target):
            raise BackupError(
                _("O esquema %(schema)s já existe: escolha um nome novo.") % {"schema": target}
            )
    with tempfile.TemporaryDirectory(prefix="restore-") as workdir:
        plain = Path(workdir) / "plain.dump"
        with dump_path.open("rb") as encrypted, plain.open("wb") as handle:
            os.chmod(plain, 0o600)
            try:
                crypto.decrypt_stream(encrypted, handle, key)
            except crypto.BackupCryptoError as error:
                raise BackupError(str(error)) from error
        if target == source:
            _restore_file(plain)
        else:
            scratch = _create_scratch_database()
            try:
                _restore_file(plain, dbname=scratch)
                with connect(scratch, autocommit=True) as conn:
                    conn.execute(
                        sql.SQL("ALTER SCHEMA {} RENAME TO {}").format(
                            sql.Identifier(source), sql.Identifier(target)
                        )
                    )
                renamed = Path(workdir) / "renamed.dump"
                _run(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--schema={target}",
                        f"--file={renamed}",
                    ],
                    dbname=scratch,
                )
                _restore_file(renamed)
            finally:
                _drop_database(scratch)
    report = verify_schema(target, manifest)
    audit_record(
        actor=actor,
        action="backup.restore",
        object_type="schema",
        object_id=target,
        object_repr=target,
        after={
            "source_schema": source,
            "file": str(dump_path),
            "tables": report.tables,
            "rows": report.rows,
        },
    )
    return report


def latest_backup(schema_name: str) -> Backup | None:
    return (
        Backup.objects.filter(schema_name=schema_name, status=BackupStatus.SUCCEEDED)
        .order_by("-started_at")
        .first()
    )


def tenant_backups_due() -> list[Tenant]:
    return [
        tenant
        for tenant in tenant_list_all_tenants()
        if tenant.status != TenantStatus.ARCHIVED or latest_backup(tenant.schema_name) is None
    ]

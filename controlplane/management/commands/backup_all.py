from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError

from controlplane.backup.services import backup_all, backups_expire
from controlplane.models import BackupStatus
from security.actors import Actor


class Command(BaseCommand):
    help = "Backup cifrado do esquema público e de todos os clientes; depois aplica a retenção."

    def handle(self, *args: Any, **options: Any) -> None:
        backups = backup_all(actor=Actor.command("backup_all"))
        failed = [backup for backup in backups if backup.status != BackupStatus.SUCCEEDED]
        for backup in backups:
            self.stdout.write(f"{backup.schema_name}: {backup.get_status_display()} {backup.path}")
        expired = backups_expire()
        self.stdout.write(f"{expired} backup(s) antigo(s) removido(s) pela retenção.")
        if failed:
            raise CommandError(f"{len(failed)} backup(s) falharam.")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from controlplane.backup.services import backup_schema, backup_tenant
from controlplane.models import BackupStatus
from security.actors import Actor
from tenants.models import Tenant


class Command(BaseCommand):
    help = "Faz o backup cifrado do esquema de um cliente (ou do esquema público com --public)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", nargs="?", help="identificador do cliente")
        parser.add_argument("--public", action="store_true", help="o esquema público")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command("backup_tenant")
        if options["public"]:
            backup = backup_schema(schema_name="public", actor=actor)
        else:
            if not options["slug"]:
                raise CommandError("Informe o identificador do cliente ou --public.")
            tenant = Tenant.objects.filter(slug=options["slug"]).first()
            if tenant is None:
                raise CommandError(f"Cliente {options['slug']!r} não existe.")
            backup = backup_tenant(tenant=tenant, actor=actor)
        if backup.status != BackupStatus.SUCCEEDED:
            raise CommandError(f"Backup falhou: {backup.error}")
        self.stdout.write(
            f"{backup.schema_name}: {backup.path} ({backup.size_bytes} bytes, "
            f"sha256 {backup.sha256})"
        )

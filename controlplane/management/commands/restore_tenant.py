from __future__ import annotations

from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from controlplane.backup.services import latest_backup, restore_schema
from controlplane.errors import BackupError
from controlplane.models import Backup
from security.actors import Actor
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Restaura o backup de um cliente em um esquema NOVO e confere contagens de linhas e "
        "somas de verificação de cada tabela com o manifesto do backup."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("slug", help="identificador do cliente (ou 'public')")
        parser.add_argument("--into", required=True, help="nome do esquema novo")
        parser.add_argument("--backup", type=int, help="id do backup (padrão: o mais recente)")
        parser.add_argument("--file", help="arquivo .dump.enc (quando o banco não o conhece)")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["file"]:
            path = Path(options["file"])
        else:
            if options["slug"] == "public":
                schema = "public"
            else:
                tenant = Tenant.objects.filter(slug=options["slug"]).first()
                if tenant is None:
                    raise CommandError(f"Cliente {options['slug']!r} não existe.")
                schema = tenant.schema_name
            backup = (
                Backup.objects.filter(pk=options["backup"], schema_name=schema).first()
                if options["backup"]
                else latest_backup(schema)
            )
            if backup is None:
                raise CommandError(f"Nenhum backup concluído de {schema}.")
            path = Path(backup.path)
        if not path.exists():
            raise CommandError(f"Arquivo {path} não encontrado.")
        try:
            report = restore_schema(
                dump_path=path, target=options["into"], actor=Actor.command("restore_tenant")
            )
        except BackupError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            f"{report.source_schema} restaurado em {report.target_schema}: {report.tables} "
            f"tabelas, {report.rows} linhas, contagens e somas conferem."
        )

"""Verifies the audit hash chain of every schema: public, the tenant template and each tenant.

Exits non-zero when any chain is broken, naming the schema and the first entry that does not
verify, so it can run from cron or CI and alert.
"""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from security.audit import audit_chain_verify
from tenants.models import Tenant
from tenants.schemas import template_schema_name


def audited_schemas() -> list[str]:
    public = get_public_schema_name()
    schemas = [public]
    template = template_schema_name()
    if schema_exists(template):
        schemas.append(template)
    schemas.extend(
        Tenant.objects.exclude(schema_name=public)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )
    return schemas


class Command(BaseCommand):
    help = "Verifica a cadeia de hashes do log de auditoria em todos os schemas."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--schema", action="append", default=[], help="Verificar só este schema (pode repetir)."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        schemas = options["schema"] or audited_schemas()
        broken: list[str] = []
        for schema in schemas:
            with schema_context(schema):
                report = audit_chain_verify()
            if report.ok:
                self.stdout.write(f"{schema}: {report.checked} registro(s) íntegro(s)")
            else:
                broken.append(schema)
                self.stdout.write(
                    self.style.ERROR(
                        f"{schema}: cadeia QUEBRADA no registro {report.broken_at} "
                        f"(após {report.checked} íntegro(s))"
                    )
                )
        if broken:
            raise CommandError(
                f"cadeia de auditoria quebrada em: {', '.join(broken)}", returncode=1
            )
        self.stdout.write(self.style.SUCCESS(f"{len(schemas)} schema(s) verificados"))

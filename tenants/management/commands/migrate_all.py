from __future__ import annotations

from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django.db import connection
from django_tenants.utils import get_public_schema_name, schema_context, schema_exists

from accounts.services import roles_sync
from tenants.models import Tenant, clone_function_ensure
from tenants.schemas import template_schema_name
from tenants.services import public_tenant_ensure


class Command(BaseCommand):
    help = (
        "Migrates everything in order: the public schema, the template schema new tenants are "
        "cloned from, then every tenant schema. Use this instead of `migrate_schemas`, which "
        "never migrates the template."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--executor",
            default="standard",
            choices=["standard", "multiprocessing"],
            help="How tenant schemas are migrated (multiprocessing for many tenants).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        verbosity = int(options["verbosity"])
        quiet = max(verbosity - 1, 0)
        self.stdout.write("[1/3] public schema")
        call_command("migrate_schemas", shared=True, interactive=False, verbosity=quiet)
        # The control plane answers at BASE_DOMAIN only once its tenant row and domain exist.
        public_tenant_ensure()

        template = template_schema_name()
        self.stdout.write(f"[2/3] template schema '{template}'")
        if not schema_exists(template):
            with connection.cursor() as cursor:
                cursor.execute(f'CREATE SCHEMA "{template}"')
        call_command(
            "migrate_schemas",
            tenant=True,
            schema_name=template,
            interactive=False,
            verbosity=quiet,
        )
        with schema_context(template):
            roles_sync()
        connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants
        clone_function_ensure(replace=True)

        tenants = Tenant.objects.exclude(schema_name=get_public_schema_name()).count()
        self.stdout.write(f"[3/3] {tenants} tenant schema(s)")
        if tenants:
            call_command(
                "migrate_schemas",
                tenant=True,
                interactive=False,
                verbosity=quiet,
                executor=options["executor"],
            )
            for tenant in Tenant.objects.exclude(schema_name=get_public_schema_name()):
                with schema_context(tenant.schema_name):
                    roles_sync()
        self.stdout.write(self.style.SUCCESS("migrations applied"))

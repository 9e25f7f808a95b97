from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from security.actors import Actor
from tenants.errors import ProvisioningError
from tenants.services import tenant_provision


class Command(BaseCommand):
    help = (
        "Onboards a government client: creates its schema (clone of the template), its domain "
        "<slug>.<BASE_DOMAIN> and its first administrator, who receives an invitation link to "
        "set their own password."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--name", required=True, help="Razão social do órgão")
        parser.add_argument("--cnpj", required=True, help="CNPJ (com ou sem pontuação)")
        parser.add_argument("--slug", required=True, help="Identificador; vira <slug>.<domínio>")
        parser.add_argument(
            "--contract-start",
            required=True,
            type=date.fromisoformat,
            help="Início do contrato (AAAA-MM-DD)",
        )
        parser.add_argument(
            "--contract-end",
            required=True,
            type=date.fromisoformat,
            help="Fim do contrato (AAAA-MM-DD)",
        )
        parser.add_argument("--admin-name", required=True, help="Nome do primeiro administrador")
        parser.add_argument("--admin-email", required=True, help="E-mail do primeiro administrador")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = tenant_provision(
                actor=Actor.command("manage.py provision_tenant"),
                name=options["name"],
                cnpj=options["cnpj"],
                slug=options["slug"],
                contract_start=options["contract_start"],
                contract_end=options["contract_end"],
                admin_name=options["admin_name"],
                admin_email=options["admin_email"],
            )
        except ProvisioningError as error:
            field = f" ({error.field})" if error.field else ""
            raise CommandError(f"{error.message}{field}") from error
        self.stdout.write(self.style.SUCCESS(f"Cliente criado: {result.tenant.name}"))
        self.stdout.write(f"  esquema: {result.tenant.schema_name}")
        self.stdout.write(f"  endereço: {result.domain.domain}")
        self.stdout.write(f"  convite do administrador: {result.invitation.url}")

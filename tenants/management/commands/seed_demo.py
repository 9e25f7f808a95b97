from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_invite
from security.actors import Actor
from tenants.models import Tenant
from tenants.services import public_tenant_ensure, tenant_domain_for, tenant_provision

DEMO_PASSWORD = "Demo@2026!"  # noqa: S105 - published demo credentials, development only
DEMO_CNPJ = "46395000000139"
OPERATOR_EMAIL = "operador@provedor.local"
DEMO_USERS = [
    ("admin@demo.local", "Ana Administradora", Role.ADMIN),
    ("supervisor@demo.local", "Sérgio Supervisor", Role.SUPERVISOR),
    ("atendente@demo.local", "Aline Atendente", Role.AGENT),
    ("atendente2@demo.local", "Bruno Atendente", Role.AGENT),
    ("auditor@demo.local", "Augusto Auditor", Role.AUDITOR),
]


class Command(BaseCommand):
    help = "Creates (or keeps) the control-plane row, a demo operator and the demo municipality."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default="demo", help="Identificador do órgão de demonstração")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command("manage.py seed_demo")
        public_tenant_ensure()
        if not User.objects.filter(email=OPERATOR_EMAIL).exists():
            User.objects.create_superuser(OPERATOR_EMAIL, DEMO_PASSWORD, full_name="Olga Operadora")
        slug = options["slug"]
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            self.stdout.write(f"provisioning demo tenant '{slug}'")
            tenant = tenant_provision(
                actor=actor,
                name="Prefeitura Municipal de Demonstração",
                cnpj=DEMO_CNPJ,
                slug=slug,
                contract_start=date(2026, 1, 1),
                contract_end=date(2027, 12, 31),
                admin_name=DEMO_USERS[0][1],
                admin_email=DEMO_USERS[0][0],
            ).tenant
        with schema_context(tenant.schema_name):
            for email, name, role in DEMO_USERS:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = user_invite(
                        actor=actor, email=email, full_name=name, role=role,
                        host=tenant_domain_for(slug),
                    ).user
                if not user.has_usable_password():
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
        self.stdout.write(self.style.SUCCESS("demo data ready"))

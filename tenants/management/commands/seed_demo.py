from __future__ import annotations

from datetime import date
from typing import Any

from django.core.management import call_command
from django.core.management.base import BaseCommand, CommandParser
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.services import user_invite
from security.actors import Actor
from tenants.demo import DEMO_CNPJ, DEMO_PASSWORD, DEMO_USERS, OPERATOR_EMAIL
from tenants.models import Tenant
from tenants.services import public_tenant_ensure, tenant_domain_for, tenant_provision


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
            for email, name, role, _label in DEMO_USERS:
                user = User.objects.filter(email=email).first()
                if user is None:
                    user = user_invite(
                        actor=actor,
                        email=email,
                        full_name=name,
                        role=role,
                        host=tenant_domain_for(slug),
                    ).user
                if not user.has_usable_password():
                    user.set_password(DEMO_PASSWORD)
                    user.save(update_fields=["password"])
        call_command("seed_demo_channels", slug=slug, stdout=self.stdout)
        with schema_context(tenant.schema_name):
            _demo_agents_join_every_team(actor)
        self.stdout.write(self.style.SUCCESS("demo data ready"))


def _demo_agents_join_every_team(actor: Actor) -> None:
    """Agents see only their teams' conversations: the demo's agents and supervisor may join
    every team, so a message sent from the simulator reaches them."""
    from desk.models import Team
    from routing.models import TeamMembership
    from routing.services.teams import team_members_set

    demo_emails = [email for email, _name, role, _label in DEMO_USERS if role != "auditor"]
    serving = [
        user
        for user in User.objects.filter(email__in=demo_emails)
        if user.has_perm("accounts.serve")
    ]
    for team in Team.objects.order_by("pk"):
        current = set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True))
        if {user.pk for user in serving} <= current:
            continue
        members = list(User.objects.filter(pk__in=current)) + [
            user for user in serving if user.pk not in current
        ]
        team_members_set(actor=actor, team=team, users=members)

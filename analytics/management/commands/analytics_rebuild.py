"""`manage.py analytics_rebuild --tenant <slug>`: rebuild a tenant's analytics from PostgreSQL."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.errors import AnalyticsUnavailable
from analytics.services import tenant_rebuild
from security.actors import Actor
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Deletes a tenant's rows from every ClickHouse table the export sources write to and "
        "exports all of them again from PostgreSQL (the source of truth). Reports of that "
        "tenant show partial figures until it finishes. Safe to run again if it fails."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="the tenant's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"no tenant with slug {options['tenant']!r}")
        self.stdout.write(f"Rebuilding analytics of {tenant.slug} (tenant id {tenant.pk}):")
        try:
            result = tenant_rebuild(
                tenant=tenant, actor=Actor.command("analytics_rebuild"), progress=self.stdout.write
            )
        except AnalyticsUnavailable as error:
            raise CommandError(f"{error.message} ({error.detail})") from error
        total = sum(result.rows.values())
        self.stdout.write(
            self.style.SUCCESS(
                f"Rebuilt {total} rows from {len(result.rows)} source(s) in {result.seconds:.2f} s."
            )
        )

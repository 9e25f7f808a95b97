from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from billing.services.rollups import rollups_rebuild, rollups_refresh
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Rebuilds the daily and monthly usage rollups from the ledger (all tenants, or one with "
        "--tenant). With --refresh, only the days that received usage since the last refresh."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="", help="tenant slug")
        parser.add_argument("--refresh", action="store_true")

    def handle(self, *args: Any, **options: Any) -> None:
        if options["refresh"]:
            touched = rollups_refresh()
            self.stdout.write(self.style.SUCCESS(f"refreshed {len(touched)} tenant(s)"))
            return
        tenant_id = Tenant.objects.get(slug=options["tenant"]).pk if options["tenant"] else None
        days = rollups_rebuild(tenant_id)
        self.stdout.write(self.style.SUCCESS(f"rebuilt {days} tenant-day(s)"))

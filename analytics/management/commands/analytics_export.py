"""`manage.py analytics_export`: run the export now (what the beat task does every interval)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.errors import AnalyticsUnavailable
from analytics.export import tenant_export, tenants_exportable
from analytics.selectors import export_lag_all_tenants


class Command(BaseCommand):
    help = (
        "Exports pending PostgreSQL rows of every tenant (or one) to ClickHouse now, then "
        "prints the export lag per tenant and source."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="", help="only this tenant's slug")

    def handle(self, *args: Any, **options: Any) -> None:
        tenants = tenants_exportable()
        if options["tenant"]:
            tenants = tenants.filter(slug=options["tenant"])
            if not tenants.exists():
                raise CommandError(f"no tenant with slug {options['tenant']!r}")
        try:
            for tenant in tenants:
                results = tenant_export(tenant=tenant, wait=True, max_batches=10_000)
                sent = sum(result.rows for result in results)
                self.stdout.write(f"{tenant.slug}: {sent} rows exported")
        except AnalyticsUnavailable as error:
            raise CommandError(f"{error.message} ({error.detail})") from error
        for lag in export_lag_all_tenants():
            if not options["tenant"] or lag.tenant_slug == options["tenant"]:
                self.stdout.write(
                    f"  {lag.tenant_slug} {lag.source}: watermark {lag.watermark}, "
                    f"pending {lag.pending_rows}, lag {lag.lag_seconds:.0f} s"
                )

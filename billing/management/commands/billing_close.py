from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.errors import BillingError
from billing.periods import period_label, period_parse
from billing.services.closing import period_close, periods_close_due
from security.actors import Actor
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Closes billing periods: every period that has ended for every tenant (default, as the "
        "nightly job does), or one with --tenant SLUG --period YYYY-MM."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="")
        parser.add_argument("--period", default="")

    def handle(self, *args: Any, **options: Any) -> None:
        actor = Actor.command("billing_close")
        if not options["tenant"]:
            for statement in periods_close_due(actor=actor):
                self.stdout.write(
                    f"closed {period_label(statement.period)} of tenant "
                    f"{statement.tenant_id}: {statement.content_hash}"
                )
            return
        if not options["period"]:
            raise CommandError("--period YYYY-MM is required with --tenant")
        tenant = Tenant.objects.get(slug=options["tenant"])
        try:
            statement = period_close(
                actor=actor, tenant=tenant, period=period_parse(options["period"])
            )
        except BillingError as error:
            raise CommandError(error.message) from error
        self.stdout.write(
            self.style.SUCCESS(
                f"closed {period_label(statement.period)}: {statement.billed_quantity} messages, "
                f"R$ {statement.total_billed}, hash {statement.content_hash}"
            )
        )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from billing.models import Statement
from billing.periods import period_label
from billing.services.closing import statement_verify


class Command(BaseCommand):
    help = (
        "Verifies closed statements: each stored content matches its hash and the ledger "
        "still gives the same figures. Exits non-zero on the first mismatch."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", default="", help="tenant slug")

    def handle(self, *args: Any, **options: Any) -> None:
        statements = Statement.objects.select_related("tenant").order_by("tenant_id", "period")
        if options["tenant"]:
            statements = statements.filter(tenant__slug=options["tenant"])
        checked = 0
        for statement in statements.iterator():
            if not statement_verify(statement):
                raise CommandError(
                    f"statement {period_label(statement.period)} of "
                    f"{statement.tenant.slug} does not verify"
                )
            checked += 1
        self.stdout.write(self.style.SUCCESS(f"{checked} statement(s) verified"))

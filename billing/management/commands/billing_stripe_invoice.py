from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from billing.models import Statement
from billing.periods import period_parse
from billing.services.stripe_invoicing import stripe_invoice_statement


class Command(BaseCommand):
    help = (
        "Creates (or resumes) the Stripe invoice of a closed statement. Safe to run again: "
        "it never bills twice."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True)
        parser.add_argument("--period", required=True, help="YYYY-MM")

    def handle(self, *args: Any, **options: Any) -> None:
        statement = Statement.objects.get(
            tenant__slug=options["tenant"], period=period_parse(options["period"])
        )
        invoice = stripe_invoice_statement(statement=statement)
        self.stdout.write(
            self.style.SUCCESS(
                f"invoice {invoice.invoice_id}: {invoice.get_status_display()} "
                f"({invoice.invoice_cents} cents)"
            )
        )

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser
from django.utils import timezone

from billing.partitions import partitions_ensure
from billing.periods import period_add, period_of, period_parse


class Command(BaseCommand):
    help = "Creates the monthly partitions of the usage ledger ahead of time (idempotent)."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--months-ahead", type=int, default=12)
        parser.add_argument(
            "--from",
            dest="first",
            default="",
            help="first month, YYYY-MM (default: the current month)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        first = period_parse(options["first"]) if options["first"] else period_of(timezone.now())
        created = partitions_ensure(
            first, period_add(period_of(timezone.now()), options["months_ahead"])
        )
        for name in created:
            self.stdout.write(f"created {name}")
        self.stdout.write(self.style.SUCCESS(f"{len(created)} partition(s) created"))

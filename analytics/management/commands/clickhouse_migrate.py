"""`manage.py clickhouse_migrate`: apply the ClickHouse migrations in analytics/migrations_ch/."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.core.management.base import BaseCommand, CommandError, CommandParser

from analytics.client import clickhouse_url, client_create, client_reset, redacted
from analytics.errors import AnalyticsUnavailable
from analytics.schema import migrate, migrations_state


class Command(BaseCommand):
    help = (
        "Applies the numbered ClickHouse migrations (analytics/migrations_ch/NNNN_*.sql) not yet "
        "recorded in the clickhouse_migrations table, on the ClickHouse of CLICKHOUSE_URL or the "
        "embedded chDB service. Creates the URL's database first when it is missing. Safe to run "
        "again: applied migrations are skipped."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--list",
            action="store_true",
            help="show each migration and whether it is applied; change nothing",
        )
        parser.add_argument(
            "--url",
            default="",
            help="a ClickHouse URL instead of CLICKHOUSE_URL / the embedded one",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            url = options["url"] or clickhouse_url()
            self.stdout.write(f"ClickHouse: {redacted(url)}")
            database = urlsplit(url).path.strip("/")
            if database and database != "default" and not options["list"]:
                admin = client_create(url, database="default")
                admin.command(f"CREATE DATABASE IF NOT EXISTS `{database}`")
                admin.close()
            client = client_create(url)
        except AnalyticsUnavailable as error:
            raise CommandError(f"{error.message} ({error.detail})") from error
        try:
            if options["list"]:
                for state in migrations_state(client):
                    mark = "X" if state.applied else " "
                    note = " (changed after it was applied)" if state.changed else ""
                    self.stdout.write(f" [{mark}] {state.migration.name}{note}")
                return
            self.stdout.write("Applying ClickHouse migrations:")
            applied = migrate(client, progress=self.stdout.write)
            if not applied:
                self.stdout.write("  No migrations to apply.")
        finally:
            client.close()
            client_reset()

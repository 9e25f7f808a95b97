"""Lists every state-changing route and how its audit is proved: by which test, or why it is
exempt, or that it is still pending. `--pending` prints only what is neither covered nor exempt,
as Python dict lines ready for an app's NOT_YET_COVERED."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandParser

from security.route_audit import (
    covered_routes,
    exempt_routes,
    not_yet_covered,
    state_changing_routes,
)


class Command(BaseCommand):
    help = "Mostra como cada rota que muda estado prova o seu registro de auditoria."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--tests",
            default=str(Path(settings.BASE_DIR) / "tests"),
            help="Pasta dos testes (padrão: tests/).",
        )
        parser.add_argument(
            "--pending", action="store_true", help="Só as rotas sem teste nem isenção."
        )

    def handle(self, *args: Any, **options: Any) -> None:
        covered = covered_routes(Path(options["tests"]))
        exempt = exempt_routes()
        pending = not_yet_covered()
        for route in state_changing_routes():
            if route.id in covered:
                status = "teste: " + ", ".join(covered[route.id])
            elif route.id in exempt:
                status = "isenta: " + exempt[route.id]
            elif route.id in pending:
                status = "pendente: " + pending[route.id]
            else:
                status = "SEM PROVA"
            if options["pending"]:
                if route.id not in covered and route.id not in exempt:
                    self.stdout.write(f'    "{route.id}": "{pending.get(route.id, "")}",')
                continue
            self.stdout.write(f"{route.id}  →  {status}")

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandParser

from push.services import vapid_keys_generate


class Command(BaseCommand):
    help = (
        "Gera um par de chaves VAPID (P-256) para as notificações Web Push e imprime as linhas "
        "para o .env: WEB_PUSH_VAPID_PRIVATE_KEY (segredo) e, como comentário, a chave pública "
        "que os navegadores usam (o servidor a deriva da privada). Trocar a chave invalida as "
        "inscrições existentes: os atendentes precisam ativar as notificações de novo."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--subject",
            default="mailto:suporte@localhost",
            help="Contato do operador para os serviços de push (mailto: ou https:).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        private, public = vapid_keys_generate()
        self.stdout.write(f"WEB_PUSH_VAPID_PRIVATE_KEY={private}")
        self.stdout.write(f"WEB_PUSH_VAPID_SUBJECT={options['subject']}")
        self.stdout.write(f"# chave pública (applicationServerKey): {public}")

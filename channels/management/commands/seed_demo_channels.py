"""The demo municipality's channels, ready for the simulator page after `make run`."""

from __future__ import annotations

import secrets
from typing import Any

from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from channels.models import Channel, ChannelMode, ChannelType
from channels.sandbox.transport import sandbox_http_client
from channels.services import WebChatSettings, channel_create
from security.actors import Actor
from tenants.models import Tenant


def _digits(count: int) -> str:
    return str(10 ** (count - 1) + secrets.randbelow(9 * 10 ** (count - 1)))


def _tenant_origin(tenant: Tenant) -> str:
    domain = tenant.domains.get(is_primary=True).domain
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{domain}{port}"


class Command(BaseCommand):
    help = (
        "Cria no órgão de demonstração um canal de WhatsApp e um de Telegram em modo de teste "
        "(ligados ao simulador da plataforma) e um canal de WebChat. Não altera canais "
        "existentes."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--slug", default="demo", help="Identificador do órgão")
        parser.add_argument(
            "--origin",
            action="append",
            default=[],
            help="Site autorizado a usar o WebChat, além do próprio endereço do órgão "
            "(repita para vários).",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["slug"]).first()
        if tenant is None:
            raise CommandError(f"órgão '{options['slug']}' não existe")
        actor = Actor.command("manage.py seed_demo_channels")
        with schema_context(tenant.schema_name):
            sandbox = Channel.objects.filter(mode=ChannelMode.SANDBOX)
            if not sandbox.filter(type=ChannelType.WHATSAPP).exists():
                channel_create(
                    actor=actor,
                    type=ChannelType.WHATSAPP,
                    name="WhatsApp da Prefeitura (teste)",
                    mode=ChannelMode.SANDBOX,
                    credentials={
                        "phone_number_id": _digits(15),
                        "business_account_id": _digits(15),
                        "access_token": "EAA" + secrets.token_urlsafe(40),
                        "app_secret": secrets.token_hex(16),
                        "verify_token": secrets.token_urlsafe(16),
                    },
                )
                self.stdout.write("canal de WhatsApp (teste) criado")
            if not sandbox.filter(type=ChannelType.TELEGRAM).exists():
                channel_create(
                    actor=actor,
                    type=ChannelType.TELEGRAM,
                    name="Telegram da Prefeitura (teste)",
                    mode=ChannelMode.SANDBOX,
                    credentials={"bot_token": f"{_digits(10)}:{secrets.token_urlsafe(30)}"},
                    # The web server is not up yet: the simulated Telegram answers in-process.
                    http=sandbox_http_client(ChannelType.TELEGRAM, ChannelMode.SANDBOX, ""),
                )
                self.stdout.write("canal de Telegram (teste) criado")
            if not Channel.objects.filter(type=ChannelType.WEBCHAT).exists():
                channel_create(
                    actor=actor,
                    type=ChannelType.WEBCHAT,
                    name="Chat do portal",
                    webchat=WebChatSettings(
                        allowed_origins=(_tenant_origin(tenant), *options["origin"]),
                        greeting="Olá! Como podemos ajudar?",
                    ),
                )
                self.stdout.write("canal de WebChat criado")
        self.stdout.write(self.style.SUCCESS("canais de demonstração prontos"))

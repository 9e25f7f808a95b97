"""Act as a citizen on a sandbox channel from the command line (6.8.5).

The message is posted as a signed webhook to the platform's public webhook URL, as WhatsApp or
Telegram would; then what the platform sends back to the simulator is printed as it arrives.
The platform must be running (`make run`).
"""

from __future__ import annotations

import mimetypes
import time
from pathlib import Path
from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser
from django_tenants.utils import schema_context

from channels.errors import ChannelError
from channels.models import Channel
from channels.sandbox import state
from channels.sandbox.citizen import CitizenImage, citizen_send, simulatable
from channels.services import webhook_url
from tenants.models import Tenant


class Command(BaseCommand):
    help = (
        "Envia uma mensagem como se fosse um cidadão num canal de WhatsApp ou Telegram em modo "
        "de teste, pelo webhook público e com assinatura real, e mostra o que a plataforma "
        "responde. Sem --channel, lista os canais que podem ser simulados."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--tenant", required=True, help="Identificador do órgão (ex.: demo)")
        parser.add_argument("--channel", type=int, help="Número (id) do canal em modo de teste")
        parser.add_argument("--text", default="", help="Texto da mensagem do cidadão")
        parser.add_argument("--image", type=Path, help="Imagem (JPEG, PNG ou WebP) a enviar")
        parser.add_argument(
            "--citizen",
            default="5561999990001",
            help="Número do cidadão (WhatsApp) ou id do chat (Telegram)",
        )
        parser.add_argument("--name", default="Maria Cidadã", help="Nome do cidadão")
        parser.add_argument(
            "--wait",
            type=float,
            default=8.0,
            help="Segundos a esperar pelas respostas da plataforma (padrão 8)",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        tenant = Tenant.objects.filter(slug=options["tenant"]).first()
        if tenant is None:
            raise CommandError(f"órgão '{options['tenant']}' não existe")
        with schema_context(tenant.schema_name):
            if options["channel"] is None:
                self._list()
                return
            channel = Channel.objects.filter(pk=options["channel"]).first()
            if channel is None or not simulatable(channel):
                raise CommandError(
                    "canal inexistente ou que não pode ser simulado (use um canal de WhatsApp ou "
                    "Telegram em modo de teste; rode sem --channel para ver a lista)"
                )
            image = self._image(options["image"])
            citizen = str(options["citizen"]).lstrip("+")
            seen = len(state.transcript_get(tenant.schema_name, channel.pk, citizen))
            try:
                delivered = citizen_send(
                    channel=channel,
                    citizen_id=citizen,
                    citizen_name=options["name"],
                    text=options["text"],
                    image=image,
                )
            except ChannelError as error:
                raise CommandError(error.message) from error
            self.stdout.write(
                f"→ POST {webhook_url(channel)}: HTTP {delivered.status_code} {delivered.body}"
            )
            if not delivered.accepted:
                raise CommandError("a plataforma recusou o webhook")
            self._follow(tenant.schema_name, channel, citizen, seen, options["wait"])

    def _list(self) -> None:
        channels = [channel for channel in Channel.objects.order_by("pk") if simulatable(channel)]
        if not channels:
            self.stdout.write("nenhum canal de WhatsApp ou Telegram em modo de teste")
        for channel in channels:
            self.stdout.write(f"{channel.pk}\t{channel.type}\t{channel.name}")

    @staticmethod
    def _image(path: Path | None) -> CitizenImage | None:
        if path is None:
            return None
        if not path.is_file():
            raise CommandError(f"arquivo não encontrado: {path}")
        mime_type = mimetypes.guess_type(path.name)[0] or "application/octet-stream"
        return CitizenImage(content=path.read_bytes(), mime_type=mime_type, filename=path.name)

    def _follow(self, schema: str, channel: Channel, citizen: str, start: int, wait: float) -> None:
        deadline = time.monotonic() + wait
        printed = start
        while time.monotonic() < deadline:
            entries = state.transcript_get(schema, channel.pk, citizen)
            for entry in entries[printed:]:
                if entry.get("type") == "status" and entry.get("status"):
                    self.stdout.write(f"  ✓ {entry.get('status')} ({entry.get('id')})")
                elif entry.get("direction") == "out":
                    self.stdout.write(f"← {entry.get('kind')}: {entry.get('text', '')}")
            printed = max(printed, len(entries))
            time.sleep(0.3)

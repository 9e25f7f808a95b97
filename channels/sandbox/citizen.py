"""Acting as a citizen on a sandbox channel: what WhatsApp or Telegram would POST to us.

The webhook is built by the simulators' builders with the channel's real secrets (WhatsApp's
`X-Hub-Signature-256`, Telegram's secret-token header) and POSTed over HTTP to the platform's
public webhook URL, the exact door a real provider knocks on. Nothing is handed to the intake
in-process: what passes here passes in production.
"""

from __future__ import annotations

import hashlib
import mimetypes
import secrets
from dataclasses import dataclass
from typing import Any

import httpx
from django.db import connection
from django.utils.translation import gettext as _

from channels.credentials import provider_credentials
from channels.errors import ChannelError
from channels.models import Channel, ChannelType
from channels.providers.base import WebhookDelivery
from channels.providers.telegram.credentials import TelegramCredentials
from channels.providers.telegram.simulator import build_update_photo, build_update_text
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import build_inbound_media, build_inbound_text
from channels.sandbox import state
from channels.services import webhook_url

IMAGE_TYPES = ("image/jpeg", "image/png", "image/webp")
MAX_IMAGE_BYTES = 5 * 1024 * 1024
TIMEOUT = httpx.Timeout(30.0, connect=5.0)


@dataclass(frozen=True)
class CitizenImage:
    content: bytes
    mime_type: str
    filename: str = ""


@dataclass(frozen=True)
class Delivered:
    """What the platform answered to the simulated provider's POST."""

    status_code: int
    body: str

    @property
    def accepted(self) -> bool:
        return self.status_code == 200


def simulatable(channel: Channel) -> bool:
    return channel.is_sandbox and channel.type in (ChannelType.WHATSAPP, ChannelType.TELEGRAM)


def _check(channel: Channel, citizen_id: str, text: str, image: CitizenImage | None) -> None:
    if not simulatable(channel):
        raise ChannelError(
            _("Só canais de WhatsApp ou Telegram em modo de teste podem ser simulados."),
            field="channel",
        )
    if not citizen_id.isdigit() or not 5 <= len(citizen_id) <= 15:
        raise ChannelError(
            _("Informe o número do cidadão só com dígitos, com DDI e DDD (ex.: 5511987654321)."),
            field="citizen_id",
        )
    if not text.strip() and image is None:
        raise ChannelError(_("Escreva uma mensagem ou escolha uma imagem."), field="text")
    if image is not None:
        if image.mime_type not in IMAGE_TYPES:
            raise ChannelError(_("Escolha uma imagem JPEG, PNG ou WebP."), field="image")
        if len(image.content) > MAX_IMAGE_BYTES:
            raise ChannelError(_("A imagem passa de 5 MB."), field="image")


def _whatsapp(
    credentials: WhatsAppCredentials,
    citizen_id: str,
    name: str,
    text: str,
    image: CitizenImage | None,
) -> tuple[WebhookDelivery, str]:
    if image is None:
        return build_inbound_text(credentials, text=text, from_number=citizen_id, name=name), ""
    stored = state.file_put(
        provider="whatsapp",
        account_id=credentials.phone_number_id,
        content=image.content,
        mime_type=image.mime_type,
    )
    delivery = build_inbound_media(
        credentials,
        kind="image",
        media_id=stored.file_id,
        mime_type=image.mime_type,
        sha256=hashlib.sha256(image.content).hexdigest(),
        caption=text or None,
        from_number=citizen_id,
        name=name,
    )
    return delivery, stored.file_id


def _telegram(
    credentials: TelegramCredentials,
    citizen_id: str,
    name: str,
    text: str,
    image: CitizenImage | None,
) -> tuple[WebhookDelivery, str]:
    first_name, _space, last_name = (name or _("Cidadão")).partition(" ")
    common: dict[str, Any] = {
        "chat_id": int(citizen_id),
        "first_name": first_name,
        "last_name": last_name or None,
        # Telegram numbers each chat's messages; the platform keys messages on it.
        "message_id": state.counter_next(f"telegram:{credentials.bot_id}:chat:{citizen_id}", 0),
    }
    if image is None:
        return build_update_text(credentials, text=text, **common), ""
    extension = mimetypes.guess_extension(image.mime_type) or ".jpg"
    file_id = "AgACAgEAAxkBAAI" + hashlib.sha256(image.content).hexdigest()[:24]
    state.file_put(
        provider="telegram",
        account_id=credentials.bot_id,
        content=image.content,
        mime_type=image.mime_type,
        file_id=file_id,
        file_path=f"photos/{file_id}{extension}",
    )
    delivery = build_update_photo(credentials, file_id=file_id, caption=text or None, **common)
    return delivery, file_id


def citizen_send(
    *,
    channel: Channel,
    citizen_id: str,
    citizen_name: str = "",
    text: str = "",
    image: CitizenImage | None = None,
    http: httpx.Client | None = None,
) -> Delivered:
    """Posts one citizen message to the platform's public webhook, as the provider would, and
    records it in the simulator's transcript. `ChannelError` for bad input (nothing sent)."""
    citizen_id = citizen_id.strip().lstrip("+")
    text = text.strip()
    _check(channel, citizen_id, text, image)
    credentials = provider_credentials(channel)
    name = citizen_name.strip() or _("Cidadão de teste")
    if isinstance(credentials, WhatsAppCredentials):
        delivery, media_id = _whatsapp(credentials, citizen_id, name, text, image)
    else:
        assert isinstance(credentials, TelegramCredentials)
        delivery, media_id = _telegram(credentials, citizen_id, name, text, image)
    # Written before the POST: the platform's answer (the protocol notice) may reach the
    # simulator while the POST is still open, and the transcript keeps arrival order.
    entry_id = "sim-" + secrets.token_hex(8)
    schema_name = connection.schema_name  # type: ignore[attr-defined]
    state.transcript_append(
        schema_name,
        channel.pk,
        citizen_id,
        {
            "id": entry_id,
            "direction": "in",
            "kind": "image" if image is not None else "text",
            "text": text,
            "media_id": media_id,
        },
    )
    client = http or httpx.Client(timeout=TIMEOUT, follow_redirects=False)
    try:
        response = client.post(
            webhook_url(channel), content=delivery.body, headers=dict(delivery.headers)
        )
        delivered = Delivered(status_code=response.status_code, body=response.text[:500])
    except httpx.HTTPError as error:
        delivered = Delivered(status_code=0, body=str(error)[:500])
    finally:
        if http is None:
            client.close()
    state.transcript_append(
        schema_name,
        channel.pk,
        citizen_id,
        {"type": "status", "id": entry_id, "http_status": delivered.status_code},
    )
    return delivered

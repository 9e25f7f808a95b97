"""Turn a stored `Channel` into the credentials object its provider adapter takes.

The only place that decrypts credentials for use. A sandbox channel (6.8.5) gets the simulator's
base URL in place of the provider's, so everything else (payloads, auth headers, error handling)
is exactly what production does.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from channels.errors import ChannelError
from channels.models import Channel, ChannelType
from channels.providers.telegram.credentials import TelegramCredentials
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.whatsapp.credentials import WhatsAppCredentials

ProviderCredentials = WhatsAppCredentials | TelegramCredentials | WebChatCredentials


def sandbox_base_url(channel: Channel) -> str:
    url = channel.sandbox_base_url or settings.CHANNELS_SANDBOX_URLS.get(channel.type, "")
    if not url:
        raise ChannelError(
            _("Canal em modo de teste sem simulador configurado: informe o endereço do simulador."),
            field="sandbox_base_url",
        )
    return str(url).rstrip("/")


def provider_credentials(channel: Channel) -> ProviderCredentials:
    data: dict[str, Any] = channel.credentials_data()
    if channel.type == ChannelType.WHATSAPP:
        whatsapp: dict[str, Any] = {
            "phone_number_id": channel.account_id,
            "business_account_id": str(data.get("business_account_id", "")),
            "access_token": str(data.get("access_token", "")),
            "app_secret": str(data.get("app_secret", "")),
            "verify_token": str(data.get("verify_token", "")),
        }
        if data.get("api_version"):
            whatsapp["api_version"] = str(data["api_version"])
        if channel.is_sandbox:
            whatsapp["api_base_url"] = sandbox_base_url(channel)
        return WhatsAppCredentials(**whatsapp)
    if channel.type == ChannelType.TELEGRAM:
        telegram: dict[str, Any] = {
            "bot_token": str(data.get("bot_token", "")),
            "secret_token": str(data.get("secret_token", "")),
        }
        if channel.is_sandbox:
            telegram["api_base_url"] = sandbox_base_url(channel)
        return TelegramCredentials(**telegram)
    if channel.type == ChannelType.WEBCHAT:
        return WebChatCredentials(
            channel_key=channel.account_id,
            signing_key=str(data.get("signing_key", "")),
            allowed_origins=tuple(channel.webchat_allowed_origins or ()),
        )
    raise ChannelError(_("Tipo de canal desconhecido."), field="type")

"""Channels REST API (6.5.63.4): list, create, read and update the municipality's channels.

Capability `manage_settings` for all of it. Credentials go in, never out in full: identifiers
are returned as they are, secrets masked (`••••••••abcd`). On update, an empty or absent secret
keeps the stored one.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from channels.models import Channel, ChannelMode, ChannelType
from channels.sandbox.transport import sandbox_http_client
from channels.selectors import channel_list
from channels.services import WebChatSettings, channel_create, channel_update, webhook_url
from channels.webchat import embed_snippet, tenant_base_url
from core.api import ErrorOut, require_capability
from desk.models import Team
from security.actors import Actor

router = Router(tags=["canais"])


class WebChatOut(Schema):
    allowed_origins: list[str]
    primary_color: str
    text_color: str
    greeting: str
    embed_snippet: str = Field(description="Código a colar nas páginas do órgão.")


class ChannelOut(Schema):
    id: int
    type: str
    name: str
    mode: str = Field(description="live (produção) ou sandbox (simulador, 6.8.5).")
    account_id: str = Field(description="phone_number_id, id do bot ou chave pública do WebChat.")
    is_active: bool
    default_team_id: int | None
    protocol_notice: bool
    credentials: dict[str, str] = Field(description="Segredos mascarados; nunca por inteiro.")
    webhook_url: str = Field(description="Endereço a cadastrar no provedor.")
    sandbox_base_url: str
    webchat: WebChatOut | None
    created_at: datetime
    updated_at: datetime


class WhatsAppIn(Schema):
    phone_number_id: str
    business_account_id: str
    access_token: str
    app_secret: str
    verify_token: str


class WhatsAppUpdateIn(Schema):
    phone_number_id: str | None = None
    business_account_id: str | None = None
    access_token: str | None = None
    app_secret: str | None = None
    verify_token: str | None = None


class TelegramIn(Schema):
    bot_token: str = Field(description="Token do BotFather, no formato 123456:ABC…")


class WebChatIn(Schema):
    allowed_origins: list[str] = Field(
        default_factory=list, description="Origens das páginas, como https://www.cidade.gov.br"
    )
    primary_color: str = "#1351B4"
    text_color: str = "#FFFFFF"
    greeting: str = ""


class ChannelCreateIn(Schema):
    type: ChannelType
    name: str = Field(min_length=1, max_length=120)
    mode: ChannelMode = ChannelMode.LIVE
    default_team_id: int | None = None
    protocol_notice: bool = True
    sandbox_base_url: str = ""
    whatsapp: WhatsAppIn | None = Field(None, description="Obrigatório para type=whatsapp.")
    telegram: TelegramIn | None = Field(None, description="Obrigatório para type=telegram.")
    webchat: WebChatIn | None = None


class ChannelUpdateIn(Schema):
    name: str | None = Field(None, min_length=1, max_length=120)
    mode: ChannelMode | None = None
    is_active: bool | None = None
    default_team_id: int | None = None
    protocol_notice: bool | None = None
    sandbox_base_url: str | None = None
    whatsapp: WhatsAppUpdateIn | None = None
    telegram: TelegramIn | None = None
    webchat: WebChatIn | None = None


def channel_out(channel: Channel, base_url: str) -> dict[str, Any]:
    webchat = None
    if channel.type == ChannelType.WEBCHAT:
        webchat = {
            "allowed_origins": list(channel.webchat_allowed_origins or []),
            "primary_color": channel.webchat_primary_color,
            "text_color": channel.webchat_text_color,
            "greeting": channel.webchat_greeting,
            "embed_snippet": embed_snippet(channel, base_url),
        }
    return {
        "id": channel.pk,
        "type": channel.type,
        "name": channel.name,
        "mode": channel.mode,
        "account_id": channel.account_id,
        "is_active": channel.is_active,
        "default_team_id": channel.default_team_id,
        "protocol_notice": channel.protocol_notice,
        "credentials": channel.credentials_masked(),
        "webhook_url": webhook_url(channel) if channel.type != ChannelType.WEBCHAT else "",
        "sandbox_base_url": channel.sandbox_base_url,
        "webchat": webchat,
        "created_at": channel.created_at,
        "updated_at": channel.updated_at,
    }


def _team(team_id: int | None) -> Team | None:
    if team_id is None:
        return None
    team = Team.objects.filter(pk=team_id).first()
    if team is None:
        raise HttpError(400, _("Equipe não encontrada."))
    return team


def _webchat(data: WebChatIn | None) -> WebChatSettings | None:
    if data is None:
        return None
    return WebChatSettings(
        allowed_origins=tuple(data.allowed_origins),
        primary_color=data.primary_color,
        text_color=data.text_color,
        greeting=data.greeting,
    )


def _credentials_in(payload: ChannelCreateIn) -> dict[str, str]:
    if payload.type == ChannelType.WHATSAPP:
        if payload.whatsapp is None:
            raise HttpError(400, _("Informe as credenciais do WhatsApp em `whatsapp`."))
        return payload.whatsapp.dict()
    if payload.type == ChannelType.TELEGRAM:
        if payload.telegram is None:
            raise HttpError(400, _("Informe o token do bot em `telegram`."))
        return payload.telegram.dict()
    return {}


@router.get("/channels", response=list[ChannelOut], summary="Listar canais")
def list_channels(request: HttpRequest) -> list[dict[str, Any]]:
    require_capability(request, "manage_settings")
    base_url = tenant_base_url(request)
    return [channel_out(channel, base_url) for channel in channel_list()]


@router.get(
    "/channels/{channel_id}", response={200: ChannelOut, 404: ErrorOut}, summary="Ler canal"
)
def get_channel(request: HttpRequest, channel_id: int) -> dict[str, Any]:
    require_capability(request, "manage_settings")
    return channel_out(get_object_or_404(Channel, pk=channel_id), tenant_base_url(request))


@router.post("/channels", response={201: ChannelOut, 400: ErrorOut}, summary="Criar canal")
def create_channel(request: HttpRequest, payload: ChannelCreateIn) -> Status[dict[str, Any]]:
    """Telegram: the platform calls `setWebhook` with a fresh secret token before saving; if
    Telegram refuses, nothing is saved and its reason is returned."""
    require_capability(request, "manage_settings")
    channel = channel_create(
        actor=Actor.from_request(request, via="api"),
        type=payload.type,
        name=payload.name,
        mode=payload.mode,
        credentials=_credentials_in(payload),
        default_team=_team(payload.default_team_id),
        sandbox_base_url=payload.sandbox_base_url,
        protocol_notice=payload.protocol_notice,
        webchat=_webchat(payload.webchat),
        http=sandbox_http_client(payload.type, payload.mode, payload.sandbox_base_url),
    )
    return Status(201, channel_out(channel, tenant_base_url(request)))


@router.patch(
    "/channels/{channel_id}",
    response={200: ChannelOut, 400: ErrorOut, 404: ErrorOut},
    summary="Atualizar canal",
)
def update_channel(
    request: HttpRequest, channel_id: int, payload: ChannelUpdateIn
) -> dict[str, Any]:
    require_capability(request, "manage_settings")
    channel = get_object_or_404(Channel, pk=channel_id)
    credentials: dict[str, str] | None = None
    if channel.type == ChannelType.WHATSAPP and payload.whatsapp is not None:
        credentials = {k: v for k, v in payload.whatsapp.dict().items() if v}
    elif channel.type == ChannelType.TELEGRAM and payload.telegram is not None:
        credentials = payload.telegram.dict()
    mode = payload.mode or channel.mode
    sandbox_url = (
        payload.sandbox_base_url
        if payload.sandbox_base_url is not None
        else channel.sandbox_base_url
    )
    channel = channel_update(
        actor=Actor.from_request(request, via="api"),
        channel=channel,
        name=payload.name,
        credentials=credentials,
        mode=payload.mode,
        default_team=_team(payload.default_team_id),
        sandbox_base_url=payload.sandbox_base_url,
        protocol_notice=payload.protocol_notice,
        webchat=_webchat(payload.webchat),
        is_active=payload.is_active,
        http=sandbox_http_client(channel.type, mode, sandbox_url),
    )
    return channel_out(channel, tenant_base_url(request))

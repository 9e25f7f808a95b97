"""Creating and changing channels. Every write also updates the public routing table, in the
same transaction, and leaves an audit record (credentials only ever masked).

Telegram: saving a channel calls `setWebhook` with a fresh secret token before anything is
written, outside the transaction (no row is locked across the network). If Telegram refuses,
the admin gets its reason and nothing changes; if the database write then failed, the next save
points the bot at us again with a new secret.
"""

from __future__ import annotations

import json
import re
import secrets
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from channels.credentials import provider_credentials
from channels.errors import ChannelError
from channels.intake.services import routing_remove, routing_upsert
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.errors import ProviderError
from channels.providers.http import HttpClient
from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.webchat.origins import normalize_origin
from channels.providers.webchat.tokens import issue_visitor_token, new_visitor_id
from desk.models import Team
from desk.services.metering import current_tenant_id
from desk.services.teams import team_default
from security.actors import Actor
from security.audit import audit_record

_COLOR = re.compile(r"^#[0-9A-Fa-f]{6}$")
_DIGITS = re.compile(r"^\d{3,32}$")
_BOT_TOKEN = re.compile(r"^(\d{3,20}):[A-Za-z0-9_-]{20,}$")
_WHATSAPP_FIELDS = (
    "phone_number_id",
    "business_account_id",
    "access_token",
    "app_secret",
    "verify_token",
)


@dataclass(frozen=True)
class WebChatSettings:
    allowed_origins: Sequence[str] = ()
    primary_color: str = "#1351B4"
    text_color: str = "#FFFFFF"
    greeting: str = ""


def webhook_url(channel: Channel) -> str:
    """The intake URL of a channel, as providers must call it."""
    base = str(settings.CHANNELS_WEBHOOK_BASE_URL).rstrip("/")
    if channel.type == ChannelType.WHATSAPP:
        return f"{base}/webhooks/whatsapp"
    return f"{base}/webhooks/{channel.type}/{channel.account_id}"


def _snapshot(channel: Channel) -> dict[str, Any]:
    return {
        "type": channel.type,
        "name": channel.name,
        "mode": channel.mode,
        "account_id": channel.account_id,
        "credentials": channel.credentials_masked(),
        "default_team": channel.default_team_id,
        "sandbox_base_url": channel.sandbox_base_url,
        "protocol_notice": channel.protocol_notice,
        "webchat_allowed_origins": list(channel.webchat_allowed_origins or []),
        "is_active": channel.is_active,
    }


def _text(data: Mapping[str, Any], key: str) -> str:
    return str(data.get(key) or "").strip()


def _whatsapp_credentials(data: Mapping[str, Any]) -> dict[str, str]:
    values = {key: _text(data, key) for key in _WHATSAPP_FIELDS}
    for key, value in values.items():
        if not value:
            raise ChannelError(_("Preencha todas as credenciais do WhatsApp."), field=key)
    for key in ("phone_number_id", "business_account_id"):
        if not _DIGITS.match(values[key]):
            raise ChannelError(_("O identificador deve conter apenas números."), field=key)
    if _text(data, "api_version"):
        values["api_version"] = _text(data, "api_version")
    return values


def _telegram_credentials(data: Mapping[str, Any], previous: Mapping[str, Any]) -> dict[str, str]:
    bot_token = _text(data, "bot_token")
    if not _BOT_TOKEN.match(bot_token):
        raise ChannelError(
            _("Token do bot inválido: copie-o do BotFather no formato 123456:ABC…"),
            field="bot_token",
        )
    # A fresh secret on every save that changes the token; otherwise keep the one Telegram has.
    keep = previous.get("bot_token") == bot_token and previous.get("secret_token")
    secret_token = str(previous["secret_token"]) if keep else secrets.token_urlsafe(32)
    return {"bot_token": bot_token, "secret_token": secret_token}


def _webchat_settings(webchat: WebChatSettings | None) -> WebChatSettings:
    webchat = webchat or WebChatSettings()
    origins: list[str] = []
    for origin in webchat.allowed_origins:
        normalized = normalize_origin(origin)
        if normalized is None:
            raise ChannelError(
                _("Origem inválida: %(origin)s (use https://dominio.gov.br).") % {"origin": origin},
                field="webchat_allowed_origins",
            )
        if normalized not in origins:
            origins.append(normalized)
    for value, field_name in (
        (webchat.primary_color, "webchat_primary_color"),
        (webchat.text_color, "webchat_text_color"),
    ):
        if not _COLOR.match(value):
            raise ChannelError(_("Cor inválida: use o formato #RRGGBB."), field=field_name)
    if len(webchat.greeting) > 500:
        raise ChannelError(_("A saudação passa de 500 caracteres."), field="webchat_greeting")
    return WebChatSettings(
        allowed_origins=tuple(origins),
        primary_color=webchat.primary_color.upper(),
        text_color=webchat.text_color.upper(),
        greeting=webchat.greeting.strip(),
    )


def _account_and_credentials(
    channel_type: str, data: Mapping[str, Any], previous: Mapping[str, Any], account_id: str
) -> tuple[str, dict[str, str]]:
    if channel_type == ChannelType.WHATSAPP:
        values = _whatsapp_credentials(data)
        return values["phone_number_id"], values
    if channel_type == ChannelType.TELEGRAM:
        values = _telegram_credentials(data, previous)
        match = _BOT_TOKEN.match(values["bot_token"])
        assert match is not None  # checked by _telegram_credentials
        return match.group(1), values
    if channel_type == ChannelType.WEBCHAT:
        signing_key = str(previous.get("signing_key") or secrets.token_urlsafe(32))
        return account_id or "ck_" + secrets.token_urlsafe(18), {"signing_key": signing_key}
    raise ChannelError(_("Tipo de canal desconhecido."), field="type")


def _routing_write(channel: Channel) -> None:
    data = channel.credentials_data()
    secret = {
        ChannelType.WHATSAPP: "app_secret",
        ChannelType.TELEGRAM: "secret_token",
        ChannelType.WEBCHAT: "signing_key",
    }[ChannelType(channel.type)]
    routing_upsert(
        tenant_id=current_tenant_id(),
        provider=channel.type,
        account_id=channel.account_id,
        channel_id=channel.pk,
        verification_secret=str(data.get(secret, "")),
        secondary_account_id=str(data.get("business_account_id", "")),
        verify_token=str(data.get("verify_token", "")),
        allowed_origins=list(channel.webchat_allowed_origins or []),
        is_active=channel.is_active,
    )


def _telegram_webhook_set(channel: Channel, http: HttpClient | None) -> None:
    if channel.type != ChannelType.TELEGRAM or not channel.is_active:
        return
    adapter = TelegramAdapter(http=http)
    credentials = provider_credentials(channel)
    try:
        adapter.set_webhook(credentials, webhook_url(channel))  # type: ignore[arg-type]
    except ProviderError as error:
        raise ChannelError(
            _("O Telegram recusou a configuração do webhook: %(reason)s") % {"reason": error.title},
            field="bot_token",
        ) from error


def _save(channel: Channel, *, actor: Actor, action: str, before: dict[str, Any] | None) -> None:
    try:
        with transaction.atomic():
            channel.save()
            _routing_write(channel)
            audit_record(
                actor=actor, action=action, target=channel, before=before, after=_snapshot(channel)
            )
    except IntegrityError as error:
        raise ChannelError(
            _("Já existe um canal deste tipo com esta conta."), field="account_id"
        ) from error


def channel_create(
    *,
    actor: Actor,
    type: str,
    name: str,
    credentials: Mapping[str, Any] | None = None,
    mode: str = ChannelMode.LIVE,
    default_team: Team | None = None,
    sandbox_base_url: str = "",
    protocol_notice: bool = True,
    webchat: WebChatSettings | None = None,
    http: HttpClient | None = None,
) -> Channel:
    """Creates a channel and its route. WebChat channels get a generated public key and signing
    key; Telegram channels get a secret token and their webhook set."""
    if type not in ChannelType.values:
        raise ChannelError(_("Tipo de canal desconhecido."), field="type")
    if mode not in ChannelMode.values:
        raise ChannelError(_("Ambiente inválido."), field="mode")
    name = (name or "").strip()
    if not name:
        raise ChannelError(_("Informe o nome do canal."), field="name")
    account_id, secret_values = _account_and_credentials(type, credentials or {}, {}, "")
    settings_webchat = _webchat_settings(webchat) if type == ChannelType.WEBCHAT else None
    channel = Channel(
        type=type,
        name=name[:120],
        mode=mode,
        account_id=account_id,
        credentials=json.dumps(secret_values),
        default_team=default_team or team_default(),
        sandbox_base_url=sandbox_base_url.strip(),
        protocol_notice=protocol_notice,
    )
    if settings_webchat is not None:
        channel.webchat_allowed_origins = list(settings_webchat.allowed_origins)
        channel.webchat_primary_color = settings_webchat.primary_color
        channel.webchat_text_color = settings_webchat.text_color
        channel.webchat_greeting = settings_webchat.greeting
    _telegram_webhook_set(channel, http)
    _save(channel, actor=actor, action="channel.create", before=None)
    return channel


def channel_update(
    *,
    actor: Actor,
    channel: Channel,
    name: str | None = None,
    credentials: Mapping[str, Any] | None = None,
    mode: str | None = None,
    default_team: Team | None = None,
    sandbox_base_url: str | None = None,
    protocol_notice: bool | None = None,
    webchat: WebChatSettings | None = None,
    is_active: bool | None = None,
    http: HttpClient | None = None,
) -> Channel:
    """Changes a channel. `credentials` merges over the stored ones: a form may send only what
    changed, and an empty value keeps the stored secret (secrets are never shown back)."""
    channel = Channel.objects.get(pk=channel.pk)
    before = _snapshot(channel)
    previous = channel.credentials_data()
    old_account = channel.account_id
    if name is not None:
        if not name.strip():
            raise ChannelError(_("Informe o nome do canal."), field="name")
        channel.name = name.strip()[:120]
    if mode is not None:
        if mode not in ChannelMode.values:
            raise ChannelError(_("Ambiente inválido."), field="mode")
        channel.mode = mode
    if default_team is not None:
        channel.default_team = default_team
    if sandbox_base_url is not None:
        channel.sandbox_base_url = sandbox_base_url.strip()
    if protocol_notice is not None:
        channel.protocol_notice = protocol_notice
    if is_active is not None:
        channel.is_active = is_active
    if credentials is not None:
        merged = {**previous, **{key: value for key, value in credentials.items() if value}}
        account_id, secret_values = _account_and_credentials(
            channel.type, merged, previous, channel.account_id
        )
        channel.account_id = account_id
        channel.credentials = json.dumps(secret_values)
    if channel.type == ChannelType.WEBCHAT and webchat is not None:
        settings_webchat = _webchat_settings(webchat)
        channel.webchat_allowed_origins = list(settings_webchat.allowed_origins)
        channel.webchat_primary_color = settings_webchat.primary_color
        channel.webchat_text_color = settings_webchat.text_color
        channel.webchat_greeting = settings_webchat.greeting
    if channel.type == ChannelType.TELEGRAM and (
        credentials is not None or mode is not None or is_active
    ):
        _telegram_webhook_set(channel, http)
    with transaction.atomic():
        if old_account != channel.account_id:
            routing_remove(
                tenant_id=current_tenant_id(), provider=channel.type, account_id=old_account
            )
        _save(channel, actor=actor, action="channel.update", before=before)
    return channel


def webchat_visitor_token_issue(
    channel: Channel, *, visitor_id: str | None = None, issued_at: datetime | None = None
) -> tuple[str, str]:
    """(visitor id, signed token) for the widget: a new anonymous visitor, or a token renewal
    for the visitor id kept in the widget's cookie."""
    if channel.type != ChannelType.WEBCHAT:
        raise ChannelError(_("Este canal não é um WebChat."), field="type")
    visitor = visitor_id or new_visitor_id()
    token = issue_visitor_token(
        signing_key=str(channel.credentials_data().get("signing_key", "")),
        channel_key=channel.account_id,
        visitor_id=visitor,
        issued_at=issued_at,
    )
    return visitor, token

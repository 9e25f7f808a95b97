"""A municipality's messaging channels.

A `Channel` is one provider account (a WhatsApp business number, a Telegram bot, a WebChat
widget installation). Its secrets live in `credentials`, a JSON object sealed with authenticated
encryption (security.fields.EncryptedTextField); they are never shown back in full
(`credentials_masked`). The public routing table (channels.intake.RoutingEntry) mirrors what the
webhook intake needs to find and verify a channel without entering the tenant schema; only
`channels.services` writes either, so the two never disagree.
"""

from __future__ import annotations

import json
from typing import Any

from django.db import models
from django.utils.translation import gettext_lazy as _

from security.fields import EncryptedTextField


class ChannelType(models.TextChoices):
    WHATSAPP = "whatsapp", "WhatsApp"
    TELEGRAM = "telegram", "Telegram"
    WEBCHAT = "webchat", "WebChat"


class ChannelMode(models.TextChoices):
    LIVE = "live", _("Produção")
    # 6.8.5: a test environment that changes nothing in production. A sandbox channel sends to
    # the provider simulator instead of the provider.
    SANDBOX = "sandbox", _("Teste (simulador)")


# Which credential keys are secrets (masked when shown) and which are plain identifiers.
SECRET_CREDENTIAL_KEYS: dict[str, tuple[str, ...]] = {
    ChannelType.WHATSAPP: ("access_token", "app_secret", "verify_token"),
    ChannelType.TELEGRAM: ("bot_token", "secret_token"),
    ChannelType.WEBCHAT: ("signing_key",),
}


def mask_secret(value: str) -> str:
    """Enough to recognise which secret is configured, never enough to use it."""
    if not value:
        return ""
    if len(value) <= 8:
        return "•" * 8
    return "•" * 8 + value[-4:]


class Channel(models.Model):
    type = models.CharField(_("tipo"), max_length=16, choices=ChannelType.choices)
    name = models.CharField(_("nome"), max_length=120)
    mode = models.CharField(
        _("ambiente"), max_length=8, choices=ChannelMode.choices, default=ChannelMode.LIVE
    )
    # Routing key: WhatsApp phone_number_id, Telegram bot id, WebChat public channel key.
    account_id = models.CharField(_("identificador da conta"), max_length=128)
    credentials = EncryptedTextField(_("credenciais"), blank=True, default="")
    default_team = models.ForeignKey(
        "desk.Team",
        verbose_name=_("equipe padrão"),
        on_delete=models.PROTECT,
        related_name="default_for_channels",
        null=True,
        blank=True,
    )
    # Where a sandbox channel sends (the simulator); empty means settings.CHANNELS_SANDBOX_URLS.
    sandbox_base_url = models.URLField(_("endereço do simulador"), blank=True, default="")
    # An automatic message telling the citizen the protocol number when a conversation opens
    # (6.5.30: the protocol is created automatically and the citizen must be able to quote it).
    protocol_notice = models.BooleanField(_("informar o protocolo ao cidadão"), default=True)
    webchat_allowed_origins = models.JSONField(
        _("origens permitidas (WebChat)"), default=list, blank=True
    )
    webchat_primary_color = models.CharField(
        _("cor principal (WebChat)"), max_length=7, default="#1351B4", blank=True
    )
    webchat_text_color = models.CharField(
        _("cor do texto (WebChat)"), max_length=7, default="#FFFFFF", blank=True
    )
    webchat_greeting = models.CharField(
        _("saudação (WebChat)"), max_length=500, blank=True, default=""
    )
    is_active = models.BooleanField(_("ativo"), default=True)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("canal")
        verbose_name_plural = _("canais")
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(fields=["type", "account_id"], name="channel_type_account")
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_type_display()})"

    def credentials_data(self) -> dict[str, Any]:
        """The decrypted credentials; for services and workers only, never for display."""
        if not self.credentials:
            return {}
        data = json.loads(self.credentials)
        return data if isinstance(data, dict) else {}

    def credentials_masked(self) -> dict[str, str]:
        """The credentials as they may be shown: identifiers in full, secrets masked."""
        secrets = SECRET_CREDENTIAL_KEYS.get(self.type, ())
        return {
            key: mask_secret(str(value)) if key in secrets else str(value)
            for key, value in sorted(self.credentials_data().items())
        }

    @property
    def is_sandbox(self) -> bool:
        return self.mode == ChannelMode.SANDBOX

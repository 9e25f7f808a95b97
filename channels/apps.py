from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Tenant app: the municipality's messaging channels (WhatsApp, Telegram, WebChat)."""

    name = "channels"
    label = "channels"
    verbose_name = _("Canais")

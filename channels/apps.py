from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class ChannelsConfig(AppConfig):
    """Tenant app: the municipality's messaging channels (WhatsApp, Telegram, WebChat)."""

    name = "channels"
    label = "channels"
    verbose_name = _("Canais")

    def ready(self) -> None:
        # The control plane's dashboard and onboarding checklist read these (REQ 6.2.13, 6.7.1).
        from channels import controlplane_onboarding

        controlplane_onboarding.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class IntakeConfig(AppConfig):
    """Public app: provider webhooks land here before any tenant schema is entered."""

    name = "channels.intake"
    label = "intake"
    verbose_name = _("Entrada de webhooks")

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    label = "routing"
    verbose_name = _("Roteamento e ciclo do atendimento")

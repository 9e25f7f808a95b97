from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class DeskConfig(AppConfig):
    name = "desk"
    label = "desk"
    verbose_name = _("Atendimento")

    def ready(self) -> None:
        # The control plane's dashboard and onboarding checklist read these (REQ 6.2.13, 6.7.1).
        from desk import controlplane_metrics

        controlplane_metrics.register()

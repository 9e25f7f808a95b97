from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class RoutingConfig(AppConfig):
    name = "routing"
    label = "routing"
    verbose_name = _("Roteamento e ciclo do atendimento")

    def ready(self) -> None:
        # The control plane's dashboard and onboarding checklist read these (REQ 6.2.13, 6.7.1).
        from routing import controlplane_metrics, controlplane_onboarding

        controlplane_metrics.register()
        controlplane_onboarding.register()

from django.apps import AppConfig
from django.utils.translation import gettext_lazy as _


class PushConfig(AppConfig):
    default_auto_field = "django.db.models.BigAutoField"
    name = "push"
    verbose_name = _("Notificações push")

    def ready(self) -> None:
        # Web Push reacts to the same after-commit events the live screens get.
        from desk.events import listener_add
        from push.services import push_on_event

        listener_add(push_on_event)

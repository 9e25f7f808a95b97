from django.apps import AppConfig


class ControlPlaneConfig(AppConfig):
    name = "controlplane"
    verbose_name = "Plano de controle"

    def ready(self) -> None:
        # Built-in components register at import; probes watch them, so they come after.
        from controlplane.probes.checks import register_builtin_probes

        register_builtin_probes()

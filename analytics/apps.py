from django.apps import AppConfig


class AnalyticsConfig(AppConfig):
    name = "analytics"
    verbose_name = "Análises e relatórios"

    def ready(self) -> None:
        # Registers the export sources this app owns (the audit log); other apps register
        # theirs from their own ready() with analytics.export.register_source.
        from analytics import controlplane_metrics, sources  # noqa: F401

        controlplane_metrics.register()

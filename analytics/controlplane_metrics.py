"""What analytics reports to the operators' dashboard (REQ 6.2.13, issue 9): how far each
client's ClickHouse export is behind PostgreSQL, in seconds (the age of the oldest row not yet
exported, over every source; 0 when everything is exported)."""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from analytics.selectors import export_lag_of
from controlplane.metrics import MetricProvider, register_metric_provider
from tenants.models import Tenant


def export_lag_seconds(tenant: Tenant, since: datetime) -> int:
    return round(max((lag.lag_seconds for lag in export_lag_of(tenant)), default=0.0))


def register() -> None:
    register_metric_provider(
        MetricProvider("analytics_export_lag", _("Atraso da exportação (s)"), export_lag_seconds)
    )

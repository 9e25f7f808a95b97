"""What routing reports to the operators' dashboard (REQ 6.2.13): the agents ready to take a
conversation now and the ones on a pause, per client.

Runs inside the client's schema (controlplane.selectors.dashboard enters it); the figures are
"now" and ignore the start of the day they receive.
"""

from __future__ import annotations

from datetime import datetime

from django.utils.translation import gettext_lazy as _

from controlplane.metrics import MetricProvider, register_metric_provider
from routing.models import AgentState, AgentStatus
from tenants.models import Tenant


def agents_available(tenant: Tenant, since: datetime) -> int:
    return AgentState.objects.filter(status=AgentStatus.AVAILABLE, user__is_active=True).count()


def agents_paused(tenant: Tenant, since: datetime) -> int:
    return AgentState.objects.filter(status=AgentStatus.PAUSED, user__is_active=True).count()


def register() -> None:
    register_metric_provider(
        MetricProvider("agents_available", _("Atendentes disponíveis"), agents_available)
    )
    register_metric_provider(
        MetricProvider("agents_paused", _("Atendentes em pausa"), agents_paused)
    )

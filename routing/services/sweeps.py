"""The beat tasks' loops (public schema): each tenant's due work, in its own schema.

Timers are rows, not countdowns: a conversation's inactivity is read from its messages and a
survey's deadline from its row, so a worker or beat restart loses nothing; the next sweep
finds what is due.
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import datetime

from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from routing.models import ConversationRouting, RoutingState
from routing.services.dispatch import queue_dispatch
from routing.services.lifecycle import inactivity_sweep
from routing.services.surveys import survey_expire_due
from tenants.models import Tenant

logger = logging.getLogger("routing.sweeps")


def _each_tenant(work: Callable[[], int]) -> int:
    total = 0
    schemas = Tenant.objects.exclude(schema_name=get_public_schema_name()).values_list(
        "schema_name", flat=True
    )
    for schema_name in list(schemas):
        try:
            with schema_context(schema_name):
                total += work()
        except Exception:
            # One tenant's failure must not stop the others' timers.
            logger.exception("routing sweep failed", extra={"schema": schema_name})
    return total


def queue_sweep() -> int:
    """Moves every team queue that has waiting conversations (a lost dispatch trigger)."""

    def work() -> int:
        teams = (
            ConversationRouting.objects.filter(state=RoutingState.WAITING, team__isnull=False)
            .values_list("team_id", flat=True)
            .distinct()
        )
        return sum(len(queue_dispatch(team_id)) for team_id in list(teams))

    return _each_tenant(work)


def inactivity_sweep_all_tenants(*, now: datetime | None = None) -> int:
    moment = now or timezone.now()
    return _each_tenant(lambda: inactivity_sweep(now=moment))


def survey_expire_all_tenants(*, now: datetime | None = None) -> int:
    moment = now or timezone.now()
    return _each_tenant(lambda: survey_expire_due(now=moment))

"""Per-client figures for the operators' dashboard (REQ 6.2.13), from whichever apps exist.

A metric provider reads one figure from a client's schema. The apps that own conversations and
messages register theirs in `AppConfig.ready()`:

    register_metric_provider(MetricProvider("messages_today", _("Mensagens hoje"), count_fn))

`count_fn(tenant, since)` runs inside the client's schema and returns an int. Until a provider
exists the dashboard says "not available yet" instead of showing zero.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from tenants.models import Tenant


@dataclass(frozen=True)
class MetricProvider:
    key: str
    label: str | Promise
    count: Callable[[Tenant, datetime], int]


# The figures the dashboard shows, in order, whether or not a provider exists yet.
DASHBOARD_METRICS: list[tuple[str, str | Promise]] = [
    ("conversations_today", _("Atendimentos hoje")),
    ("messages_today", _("Mensagens hoje")),
]
_PROVIDERS: dict[str, MetricProvider] = {}


def register_metric_provider(provider: MetricProvider) -> None:
    if provider.key not in {key for key, _label in DASHBOARD_METRICS}:
        DASHBOARD_METRICS.append((provider.key, provider.label))
    _PROVIDERS[provider.key] = provider


def unregister_metric_provider(key: str) -> None:
    _PROVIDERS.pop(key, None)


def metric_provider(key: str) -> MetricProvider | None:
    return _PROVIDERS.get(key)

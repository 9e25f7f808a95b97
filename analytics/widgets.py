"""The supervisor dashboard's widgets (6.5.43): what each shows and where its figures come from.

Figures over time (per hour, per day, the month's consumption) come from ClickHouse
(analytics/dashboard.py); the state of right now (agents available, conversations waiting)
comes from PostgreSQL's routing tables, which is where it lives. Every widget is limited to
the reader's teams (analytics/scoping.py)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analytics import dashboard
from analytics.downloads import duration_text
from analytics.forms import local_today
from analytics.reports.base import Period
from analytics.scoping import team_scope
from billing.models import Contract
from billing.periods import periods_between
from desk.models import Conversation
from desk.models.conversations import OPEN_STATUSES
from routing.models import (
    AgentState,
    AgentStatus,
    ConversationRouting,
    RoutingState,
    TeamMembership,
)

SIZES = (("pequeno", _("Pequeno")), ("medio", _("Médio")), ("grande", _("Grande")))


@dataclass(frozen=True)
class Widget:
    key: str
    title: str | Promise
    size: str  # the default size
    build: Callable[[int, frozenset[int] | None], dict[str, Any]]


def _agents(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    members = TeamMembership.objects.all()
    if scope is not None:
        members = members.filter(team_id__in=scope)
    agent_ids = set(members.values_list("user_id", flat=True))
    states = dict(
        AgentState.objects.filter(user_id__in=agent_ids)
        .values_list("status")
        .annotate(total=Count("pk"))
        .values_list("status", "total")
    )
    available = int(states.get(AgentStatus.AVAILABLE, 0))
    paused = int(states.get(AgentStatus.PAUSED, 0))
    return {
        "figures": [
            (_("Disponíveis"), available),
            (_("Em pausa"), paused),
            (_("Indisponíveis"), len(agent_ids) - available - paused),
        ]
    }


def _now(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    conversations = Conversation.objects.filter(status__in=OPEN_STATUSES)
    routing = ConversationRouting.objects.exclude(state=RoutingState.CLOSED)
    if scope is not None:
        conversations = conversations.filter(team_id__in=scope)
        routing = routing.filter(team_id__in=scope)
    total = conversations.count()
    waiting = routing.filter(state=RoutingState.WAITING).count()
    human = routing.filter(state=RoutingState.ASSIGNED).count()
    return {
        "figures": [
            (_("Em andamento"), total),
            (_("No robô"), max(total - waiting - human, 0)),
            (_("Aguardando atendente"), waiting),
            (_("Com atendente"), human),
        ]
    }


def _consumption(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    month = local_today().replace(day=1)
    result = dashboard.widget_run(dashboard.month_consumption(tenant_id=tenant_id, month=month))
    used = int(result.rows[0][0] or 0) if result.rows else 0
    contract = Contract.objects.filter(tenant_id=tenant_id).first()
    monthly = None
    if contract is not None:
        months = len(periods_between(contract.term_start, contract.term_end))
        monthly = contract.contracted_messages // months if months else None
    percent = round(100 * used / monthly, 1) if monthly else None
    return {"used": used, "monthly": monthly, "percent": percent, "month": month}


def _per_hour(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    result = dashboard.widget_run(
        dashboard.conversations_per_hour(tenant_id=tenant_id, day=local_today(), scope=scope)
    )
    counts = {int(hour): int(count) for hour, count in result.rows}
    peak = max(counts.values(), default=0)
    return {
        "hours": [
            (
                f"{hour:02d}h",
                counts.get(hour, 0),
                round(100 * counts.get(hour, 0) / peak) if peak else 0,
            )
            for hour in range(24)
        ]
    }


def _week() -> Period:
    today = local_today()
    return Period(today - timedelta(days=6), today)


def _outcomes(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    result = dashboard.widget_run(
        dashboard.outcomes_per_day(tenant_id=tenant_id, period=_week(), scope=scope)
    )
    return {"rows": [(day.strftime("%d/%m"), *map(int, rest)) for day, *rest in result.rows]}


def _times(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    result = dashboard.widget_run(
        dashboard.times_per_day(tenant_id=tenant_id, period=_week(), scope=scope)
    )
    return {
        "rows": [
            (day.strftime("%d/%m"), duration_text(tma), duration_text(tme))
            for day, tma, tme in result.rows
        ]
    }


def _sentiment(tenant_id: int, scope: frozenset[int] | None) -> dict[str, Any]:
    today = local_today()
    result = dashboard.widget_run(
        dashboard.sentiment_per_day(
            tenant_id=tenant_id, period=Period(today - timedelta(days=29), today), scope=scope
        )
    )
    return {
        "rows": [(day.strftime("%d/%m"), score, int(count)) for day, score, count in result.rows]
    }


WIDGETS: dict[str, Widget] = {
    widget.key: widget
    for widget in (
        Widget("agentes", _("Atendentes agora"), "pequeno", _agents),
        Widget("agora", _("Atendimentos agora"), "pequeno", _now),
        Widget("consumo", _("Consumo de mensagens no mês"), "pequeno", _consumption),
        Widget("por_hora", _("Atendimentos por hora hoje"), "grande", _per_hour),
        Widget("resultados", _("Finalizados, com sucesso e perdidos por dia"), "medio", _outcomes),
        Widget("tempos", _("TMA e TME por dia"), "medio", _times),
        Widget("sentimento", _("Tendência de sentimento"), "medio", _sentiment),
    )
}
DEFAULT_LAYOUT = [{"key": widget.key, "size": widget.size} for widget in WIDGETS.values()]


def widget_context(key: str, *, tenant_id: int, user: Any) -> dict[str, Any]:
    widget = WIDGETS[key]
    return {"widget": widget, **widget.build(tenant_id, team_scope(user))}

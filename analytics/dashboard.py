"""The supervisor dashboard's ClickHouse queries (6.5.43), one function per widget.

Each returns a `Query` (SQL with bound parameters) over `events`, read with FINAL, for one
tenant, cut in São Paulo days and hours; `scope` (team ids, None for all) restricts a
supervisor to their teams. `widget_run` executes one. The live indicators (agents available,
conversations waiting now) come from PostgreSQL's routing state, not from here.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError

from analytics.client import get_client
from analytics.errors import AnalyticsUnavailable
from analytics.reports.base import LOCAL_TIMEZONE_NAME, Period, Query, _utc_text
from analytics.reports.operations import HANDLING, WAIT_ENDED_WITH_AGENT, average_seconds

LOCAL = f"toTimeZone(occurred_at, '{LOCAL_TIMEZONE_NAME}')"


def _where(
    tenant_id: int, period: Period, condition: str, scope: frozenset[int] | None
) -> tuple[str, dict[str, Any]]:
    start, end = period.bounds_utc()
    parts = [
        "tenant_id = {tenant_id:UInt64}",
        "occurred_at >= {period_start:DateTime64(6, 'UTC')}",
        "occurred_at < {period_end:DateTime64(6, 'UTC')}",
        f"({condition})",
    ]
    parameters: dict[str, Any] = {
        "tenant_id": int(tenant_id),
        "period_start": _utc_text(start),
        "period_end": _utc_text(end),
    }
    if scope is not None:
        parts.append("team_id IN {scope:Array(UInt64)}")
        parameters["scope"] = sorted(scope)
    return " AND ".join(parts), parameters


def conversations_per_hour(
    *, tenant_id: int, day: date, scope: frozenset[int] | None = None
) -> Query:
    """Conversations opened per São Paulo hour of `day` (hours without any are absent)."""
    where, parameters = _where(tenant_id, Period(day, day), "kind = 'conversation.opened'", scope)
    return Query(
        sql=f"SELECT toHour({LOCAL}) AS hora, count() AS atendimentos FROM events FINAL "  # noqa: S608 - fixed SQL, values bound
        f"WHERE {where} GROUP BY hora ORDER BY hora",
        parameters=parameters,
    )


def month_consumption(*, tenant_id: int, month: date) -> Query:
    """Messages metered in the São Paulo month (the billing ledger's figure)."""
    first = month.replace(day=1)
    last = (first + timedelta(days=32)).replace(day=1) - timedelta(days=1)
    where, parameters = _where(tenant_id, Period(first, last), "kind = 'usage'", None)
    return Query(
        sql=f"SELECT sum(quantity) AS mensagens FROM events FINAL WHERE {where}",  # noqa: S608 - fixed SQL, values bound
        parameters=parameters,
    )


def outcomes_per_day(
    *, tenant_id: int, period: Period, scope: frozenset[int] | None = None
) -> Query:
    """Finished conversations per day: closed by someone after an agent served them
    ("com sucesso") and lost (timed out, or closed without an agent)."""
    where, parameters = _where(tenant_id, period, "kind = 'conversation.closed'", scope)
    lost = "(event = 'timed_out' OR from_agent_id = 0)"
    return Query(
        sql=f"SELECT toDate({LOCAL}) AS dia, count() AS finalizados, "  # noqa: S608 - fixed SQL, values bound
        f"countIf(NOT {lost}) AS sucesso, countIf({lost}) AS perdidos FROM events FINAL "
        f"WHERE {where} GROUP BY dia ORDER BY dia",
        parameters=parameters,
    )


def times_per_day(*, tenant_id: int, period: Period, scope: frozenset[int] | None = None) -> Query:
    """TMA and TME per day in whole seconds (docs/analytics.md)."""
    where, parameters = _where(
        tenant_id, period, f"({HANDLING}) OR ({WAIT_ENDED_WITH_AGENT})", scope
    )
    return Query(
        sql=f"SELECT toDate({LOCAL}) AS dia, "  # noqa: S608 - fixed SQL, values bound
        f"{average_seconds(HANDLING)} AS tma, "
        f"{average_seconds(WAIT_ENDED_WITH_AGENT)} AS tme "
        f"FROM events FINAL WHERE {where} GROUP BY dia ORDER BY dia",
        parameters=parameters,
    )


def messages_per_day(
    *, tenant_id: int, period: Period, scope: frozenset[int] | None = None
) -> Query:
    """Messages received and sent per day."""
    where, parameters = _where(tenant_id, period, "kind = 'message'", scope)
    return Query(
        sql=f"SELECT toDate({LOCAL}) AS dia, countIf(direction = 'in') AS recebidas, "  # noqa: S608 - fixed SQL, values bound
        f"countIf(direction = 'out') AS enviadas FROM events FINAL "
        f"WHERE {where} GROUP BY dia ORDER BY dia",
        parameters=parameters,
    )


def sentiment_per_day(
    *, tenant_id: int, period: Period, scope: frozenset[int] | None = None
) -> Query:
    """The average sentiment score (-1..1) per day, from whatever scores exist."""
    where, parameters = _where(tenant_id, period, "kind = 'sentiment'", scope)
    return Query(
        sql=f"SELECT toDate({LOCAL}) AS dia, toDecimal64(avg(score), 2) AS sentimento, "  # noqa: S608 - fixed SQL, values bound
        f"count() AS avaliados FROM events FINAL WHERE {where} GROUP BY dia ORDER BY dia",
        parameters=parameters,
    )


@dataclass(frozen=True)
class WidgetResult:
    columns: tuple[str, ...]
    rows: list[tuple[Any, ...]]


def widget_run(query: Query, client: Client | None = None) -> WidgetResult:
    client = client or get_client()
    try:
        result = client.query(query.sql, parameters=query.parameters)
    except (ClickHouseError, OSError) as error:
        raise AnalyticsUnavailable(f"dashboard: {error}") from error
    return WidgetResult(
        columns=tuple(result.column_names), rows=[tuple(row) for row in result.result_rows]
    )


# The widgets the bench measures (bench/analytics.py), by name.
WIDGET_QUERIES: dict[str, Callable[..., Query]] = {
    "conversations_per_hour": conversations_per_hour,
    "outcomes_per_day": outcomes_per_day,
    "times_per_day": times_per_day,
    "messages_per_day": messages_per_day,
    "sentiment_per_day": sentiment_per_day,
}

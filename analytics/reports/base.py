"""What every report shares: the period in São Paulo days, and one query class per report.

A report class declares its table, the dimensions one may group by, the measures, and the
filters; `Report.query()` writes the ClickHouse SQL from them (whitelisted expressions, values
always bound as parameters), and `Report.run()` returns the rows and the totals. A report whose
SQL does not fit this shape overrides `query()` and `totals_query()`.

Every query reads one tenant: `tenant_id` comes from the request's tenant, never from input,
and is the first column of every table's ORDER BY. Tables are read with FINAL so a row the
export sent twice counts once (docs/adr/0051).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any, ClassVar
from zoneinfo import ZoneInfo

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError
from django.db import models
from django.utils.functional import Promise
from django.utils.translation import gettext_lazy as _

from analytics.client import get_client
from analytics.errors import AnalyticsUnavailable
from core.permissions import has_capability

LOCAL_TIMEZONE_NAME = "America/Sao_Paulo"
LOCAL_TIMEZONE = ZoneInfo(LOCAL_TIMEZONE_NAME)
# An on-screen or downloaded report is a summary: past this, narrow the period or the grouping.
ROW_LIMIT = 100_000


class Granularity(models.TextChoices):
    DAY = "dia", _("Dia")
    MONTH = "mes", _("Mês")


@dataclass(frozen=True)
class Period:
    """Calendar days in São Paulo, both ends included."""

    start: date
    end: date

    def bounds_utc(self) -> tuple[datetime, datetime]:
        """[start 00:00, day after end 00:00) in São Paulo, as UTC instants."""
        first = datetime.combine(self.start, time.min, LOCAL_TIMEZONE)
        after = datetime.combine(self.end + timedelta(days=1), time.min, LOCAL_TIMEZONE)
        return first.astimezone(UTC), after.astimezone(UTC)


@dataclass(frozen=True)
class Column:
    key: str
    label: str | Promise
    kind: str  # "date", "month", "text", "int", "decimal", "duration" (seconds)


@dataclass(frozen=True)
class Dimension(Column):
    expression: str = ""
    # Ids shown as names read from PostgreSQL (analytics/labels.py): "agent", "team",
    # "channel", "contact" (masked for users who may not see personal data).
    labels: str = ""
    # Codes shown as words (e.g. an event name), same idea for text values.
    values: tuple[tuple[str, str | Promise], ...] = ()


@dataclass(frozen=True)
class Measure(Column):
    expression: str = ""


@dataclass(frozen=True)
class TextFilter:
    key: str
    label: str | Promise
    column: str


@dataclass(frozen=True)
class IdFilter:
    """A choice among the tenant's channels or teams (6.5.48.2), bound as an id."""

    key: str
    label: str | Promise
    column: str
    labels: str  # "channel", "team" or "agent": where the choices come from


# The filters of 6.5.48.2 shared by the reports of conversations and messages.
CHANNEL_FILTER = IdFilter(key="canal", label=_("Canal"), column="channel_id", labels="channel")
TEAM_FILTER = IdFilter(key="equipe", label=_("Equipe"), column="team_id", labels="team")


# The period dimension: its expression depends on the granularity (Report._expression).
PERIOD = Dimension(key="periodo", label=_("Período"), kind="date")


@dataclass(frozen=True)
class Query:
    sql: str
    parameters: dict[str, Any]


@dataclass(frozen=True)
class ReportResult:
    columns: tuple[Column, ...]
    rows: list[tuple[Any, ...]]
    totals: dict[str, Any]  # measure key -> value over the whole period
    truncated: bool

    def as_dicts(self) -> list[dict[str, Any]]:
        keys = [column.key for column in self.columns]
        return [dict(zip(keys, row, strict=True)) for row in self.rows]


def _utc_text(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S.%f")


class Report:
    """One report (one procurement item of 6.5.48). Subclasses set the class attributes."""

    # Templates receive the class itself (title, description): never instantiate it there.
    do_not_call_in_templates = True

    slug: ClassVar[str]
    requirement: ClassVar[str]
    title: ClassVar[str | Promise]
    description: ClassVar[str | Promise] = ""
    # Any one of these capabilities lets a user run the report.
    capabilities: ClassVar[tuple[str, ...]] = ("view_reports",)
    table: ClassVar[str]
    time_column: ClassVar[str] = "occurred_at"
    where: ClassVar[str] = ""  # a fixed condition, e.g. "kind = 'message'"
    dimensions: ClassVar[tuple[Dimension, ...]]
    measures: ClassVar[tuple[Measure, ...]]
    filters: ClassVar[tuple[TextFilter | IdFilter, ...]] = ()
    # A supervisor sees only their teams: the rows whose column is among the allowed ids (team
    # ids, or for reports of agents the agents of those teams). "" when the report is not
    # scoped (the audit log: supervisors cannot run it).
    scope_column: ClassVar[str] = ""
    scope_kind: ClassVar[str] = "team"  # "team" or "agent": what scope_column holds
    # A row involving two people (a chat between agents) is in scope when any of these columns
    # is among the allowed ids; empty: scope_column alone decides.
    scope_columns: ClassVar[tuple[str, ...]] = ()

    def __init__(
        self,
        *,
        tenant_id: int,
        period: Period,
        granularity: str = Granularity.DAY,
        dimensions: Sequence[str] | None = None,
        filters: Mapping[str, str] | None = None,
        scope: frozenset[int] | None = None,
        viewer: Any = None,
    ) -> None:
        known = {dimension.key for dimension in self.dimensions}
        chosen = [key for key in (dimensions or [d.key for d in self.dimensions]) if key in known]
        self.tenant_id = int(tenant_id)
        self.period = period
        self.granularity = Granularity(granularity)
        self.chosen = [dimension for dimension in self.dimensions if dimension.key in chosen]
        allowed = {item.key for item in self.filters}
        self.filter_values = {
            key: str(value) for key, value in (filters or {}).items() if key in allowed and value
        }
        # None: every row; a set (maybe empty): only rows whose scope column is in it.
        self.scope = scope if self.scope_column else None
        # Who reads the report: names and contacts are masked unless they may see personal data.
        self.viewer = viewer

    @classmethod
    def allowed(cls, user: Any) -> bool:
        return any(has_capability(user, capability) for capability in cls.capabilities)

    def _expression(self, dimension: Dimension) -> str:
        if dimension.key == PERIOD.key:
            local = f"toTimeZone({self.time_column}, '{LOCAL_TIMEZONE_NAME}')"
            if self.granularity == Granularity.MONTH:
                return f"toStartOfMonth({local})"
            return f"toDate({local})"
        return dimension.expression

    def _column(self, dimension: Dimension) -> Column:
        if dimension.key == PERIOD.key and self.granularity == Granularity.MONTH:
            return Column(key=dimension.key, label=dimension.label, kind="month")
        return Column(key=dimension.key, label=dimension.label, kind=dimension.kind)

    def columns(self) -> tuple[Column, ...]:
        measures = [Column(key=m.key, label=m.label, kind=m.kind) for m in self.measures]
        return (*(self._column(dimension) for dimension in self.chosen), *measures)

    def _where(self) -> tuple[str, dict[str, Any]]:
        start, end = self.period.bounds_utc()
        conditions = [
            "tenant_id = {tenant_id:UInt64}",
            f"{self.time_column} >= {{period_start:DateTime64(6, 'UTC')}}",
            f"{self.time_column} < {{period_end:DateTime64(6, 'UTC')}}",
        ]
        parameters: dict[str, Any] = {
            "tenant_id": self.tenant_id,
            "period_start": _utc_text(start),
            "period_end": _utc_text(end),
        }
        if self.where:
            conditions.append(f"({self.where})")
        conditions.extend(
            self._filter_condition(item, self.filter_values[item.key], parameters)
            for item in self.filters
            if item.key in self.filter_values
        )
        if self.scope is not None:
            columns = self.scope_columns or (self.scope_column,)
            conditions.append(
                "(" + " OR ".join(f"{c} IN {{scope:Array(UInt64)}}" for c in columns) + ")"
            )
            parameters["scope"] = sorted(self.scope)
        return " AND ".join(conditions), parameters

    def _filter_condition(
        self, item: TextFilter | IdFilter, value: str, parameters: dict[str, Any]
    ) -> str:
        """The condition of one chosen filter; its value goes into `parameters`."""
        if isinstance(item, IdFilter):
            parameters[f"filter_{item.key}"] = int(value) if value.isdigit() else 0
            return f"{item.column} = {{filter_{item.key}:UInt64}}"
        parameters[f"filter_{item.key}"] = value
        return f"{item.column} = {{filter_{item.key}:String}}"

    def query(self) -> Query:
        where, parameters = self._where()
        selected = [f"{self._expression(d)} AS {d.key}" for d in self.chosen]
        selected += [f"{m.expression} AS {m.key}" for m in self.measures]
        keys = ", ".join(d.key for d in self.chosen)
        grouping = f"\nGROUP BY {keys}\nORDER BY {keys}" if keys else ""
        sql = (
            f"SELECT {', '.join(selected)}\nFROM {self.table} FINAL\nWHERE {where}"
            f"{grouping}\nLIMIT {ROW_LIMIT + 1}"
        )
        return Query(sql=sql, parameters=parameters)

    def totaled(self) -> tuple[Measure, ...]:
        """The measures with a total (text measures, such as a disposition, have none)."""
        return tuple(m for m in self.measures if m.kind != "text")

    def totals_query(self) -> Query:
        where, parameters = self._where()
        selected = ", ".join(f"{m.expression} AS {m.key}" for m in self.totaled())
        return Query(
            sql=f"SELECT {selected}\nFROM {self.table} FINAL\nWHERE {where}", parameters=parameters
        )

    def run(self, client: Client | None = None) -> ReportResult:
        client = client or get_client()
        query, totals_query = self.query(), self.totals_query()
        try:
            rows = client.query(query.sql, parameters=query.parameters).result_rows
            totals_row = client.query(
                totals_query.sql, parameters=totals_query.parameters
            ).result_rows
        except (ClickHouseError, OSError) as error:
            raise AnalyticsUnavailable(f"report {self.slug}: {error}") from error
        totals = dict(zip((m.key for m in self.totaled()), totals_row[0], strict=True))
        return ReportResult(
            columns=self.columns(),
            rows=self._labelled([tuple(row) for row in rows[:ROW_LIMIT]]),
            totals=totals,
            truncated=len(rows) > ROW_LIMIT,
        )

    def _labelled(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        """Ids replaced by names from PostgreSQL (the request's tenant schema)."""
        from analytics.labels import labels_for

        words = [(i, dict(d.values)) for i, d in enumerate(self.chosen) if d.values]
        if words:
            rows = [
                tuple(
                    str(mapping.get(cell, cell)) if (mapping := dict(words).get(i)) else cell
                    for i, cell in enumerate(row)
                )
                for row in rows
            ]
        positions = [(i, d.labels) for i, d in enumerate(self.chosen) if d.labels]
        if not positions or not rows:
            return rows
        wanted: dict[str, set[int]] = {}
        for i, kind in positions:
            wanted.setdefault(kind, set()).update(int(row[i]) for row in rows)
        names = {kind: labels_for(kind, ids, viewer=self.viewer) for kind, ids in wanted.items()}
        result = []
        for row in rows:
            cells = list(row)
            for i, kind in positions:
                cells[i] = names[kind].get(int(row[i]), "")
            result.append(tuple(cells))
        return result

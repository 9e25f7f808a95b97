"""6.5.48.10 — "Por entrada de dados no fluxo de atendimento": how many conversations got
each value of each field captured during the conversation (by a chatbot flow, an agent or an
integration; desk.services.captured_data).

A conversation counts once per field, with the latest value recorded for that field in the
period (a value corrected later replaces the earlier one). Values may be personal data: users
without `view_sensitive_data` see them masked (security.masking), and values that mask to the
same text stay separate rows.
"""

from __future__ import annotations

from typing import Any

from django.utils.translation import gettext_lazy as _

from analytics.reports.base import (
    CHANNEL_FILTER,
    ROW_LIMIT,
    TEAM_FILTER,
    Dimension,
    Measure,
    Query,
    Report,
    TextFilter,
)
from security.masking import mask_text

CAPTURED = "kind = 'flow.data'"


class CapturedDataReport(Report):
    """Conversations per field and value; "Registros" also counts the earlier values that
    were replaced (each recording once)."""

    slug = "dados-capturados"
    requirement = "6.5.48.10"
    title = _("Dados capturados nos atendimentos")
    description = _(
        "Quantos atendimentos tiveram cada valor de cada campo registrado durante o atendimento "
        "(por fluxo, atendente ou integração). Cada atendimento conta uma vez por campo, com o "
        "último valor registrado no período. Valores com dados pessoais aparecem mascarados "
        "para quem não pode vê-los."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = CAPTURED
    scope_column = "team_id"
    dimensions = (
        Dimension(key="campo", label=_("Campo"), kind="text", expression="field"),
        Dimension(key="valor", label=_("Valor"), kind="text", expression="value"),
    )
    measures = (
        Measure(
            key="atendimentos",
            label=_("Atendimentos"),
            kind="int",
            expression="uniqExact(conversation_id)",
        ),
        Measure(key="registros", label=_("Registros"), kind="int", expression="sum(recordings)"),
    )
    filters = (
        TextFilter(key="campo", label=_("Campo"), column="attributes['key']"),
        CHANNEL_FILTER,
        TEAM_FILTER,
    )

    def _latest(self) -> tuple[str, dict[str, Any]]:
        """One row per (conversation, field): its latest value in the period."""
        where, parameters = self._where()
        sql = (
            "SELECT conversation_id, attributes['key'] AS field, "
            "argMax(attributes['value'], (occurred_at, source_id)) AS value, "
            "count() AS recordings\n"
            f"FROM {self.table} FINAL\nWHERE {where}\nGROUP BY conversation_id, field"
        )
        return sql, parameters

    def query(self) -> Query:
        latest, parameters = self._latest()
        selected = [f"{d.expression} AS {d.key}" for d in self.chosen]
        selected += [f"{m.expression} AS {m.key}" for m in self.measures]
        keys = ", ".join(d.key for d in self.chosen)
        grouping = f"\nGROUP BY {keys}\nORDER BY {keys}" if keys else ""
        sql = f"SELECT {', '.join(selected)}\nFROM ({latest}){grouping}\nLIMIT {ROW_LIMIT + 1}"
        return Query(sql=sql, parameters=parameters)

    def totals_query(self) -> Query:
        latest, parameters = self._latest()
        selected = ", ".join(f"{m.expression} AS {m.key}" for m in self.totaled())
        return Query(sql=f"SELECT {selected}\nFROM ({latest})", parameters=parameters)

    def _labelled(self, rows: list[tuple[Any, ...]]) -> list[tuple[Any, ...]]:
        positions = [i for i, d in enumerate(self.chosen) if d.key == "valor"]
        if not positions:
            return rows
        return [
            tuple(
                str(mask_text(cell, self.viewer)) if i in positions else cell
                for i, cell in enumerate(row)
            )
            for row in rows
        ]

"""6.5.48.1 - custom reports: the user picks the columns (dimensions), the figures (measures),
the filters and the period from a catalog; a saved one (analytics.models.SavedReport) keeps
those choices under a name and can be shared with teams.

The catalog is whitelisted expressions over `events`, like every other report, so a custom
report can only read its own tenant, with FINAL, within the reader's teams."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any, ClassVar

from django.utils.translation import gettext_lazy as _

from analytics.reports.base import (
    CHANNEL_FILTER,
    PERIOD,
    TEAM_FILTER,
    Dimension,
    Measure,
    Report,
)
from analytics.reports.operations import (
    AGENT,
    CHANNEL,
    CLOSED,
    CONVERSATIONS,
    MESSAGE,
    MESSAGES,
    TEAM,
    TMA,
    TME,
)

CSAT = "kind = 'csat'"

CATALOG_MEASURES: tuple[Measure, ...] = (
    MESSAGES,
    Measure(
        key="recebidas",
        label=_("Mensagens recebidas"),
        kind="int",
        expression=f"countIf({MESSAGE} AND direction = 'in')",
    ),
    Measure(
        key="enviadas",
        label=_("Mensagens enviadas"),
        kind="int",
        expression=f"countIf({MESSAGE} AND direction = 'out')",
    ),
    Measure(
        key="modelos",
        label=_("Mensagens de modelo (template)"),
        kind="int",
        expression=f"countIf({MESSAGE} AND billing_kind = 'template')",
    ),
    CONVERSATIONS,
    Measure(key="encerrados", label=_("Encerrados"), kind="int", expression=f"countIf({CLOSED})"),
    TMA,
    TME,
    Measure(
        key="respostas", label=_("Respostas da pesquisa"), kind="int", expression=f"countIf({CSAT})"
    ),
    Measure(
        key="nota_media",
        label=_("Nota média"),
        kind="decimal",
        expression=f"if(countIf({CSAT}) = 0, NULL, toDecimal64(avgIf(score, {CSAT}), 2))",
    ),
)


class CustomReport(Report):
    """The report builder: every catalog dimension and measure; `with_measures` narrows the
    measures to those the user picked."""

    slug = "personalizado"
    requirement = "6.5.48.1"
    title = _("Relatório personalizado")
    description = _(
        "Escolha as colunas, os números, os filtros e o período; salve com um nome e "
        "compartilhe com as suas equipes."
    )
    capabilities = ("view_reports",)
    table = "events"
    where = (
        "kind IN ('message', 'conversation.opened', 'conversation.closed', "
        "'conversation.wait', 'conversation.handling', 'csat')"
    )
    scope_column = "team_id"
    choose_measures: ClassVar[bool] = True
    dimensions = (
        PERIOD,
        CHANNEL,
        TEAM,
        AGENT,
        Dimension(key="origem", label=_("Origem"), kind="text", expression="origin"),
        Dimension(
            key="direcao",
            label=_("Direção"),
            kind="text",
            expression="direction",
            values=(("in", _("Recebida")), ("out", _("Enviada"))),
        ),
    )
    measures = CATALOG_MEASURES
    filters = (CHANNEL_FILTER, TEAM_FILTER)

    @classmethod
    def with_measures(cls, keys: Sequence[str]) -> type[Report]:
        """The same report with only these measures (catalog order); all when none is known."""
        chosen = tuple(m for m in CATALOG_MEASURES if m.key in set(keys)) or CATALOG_MEASURES
        attributes: dict[str, Any] = {"measures": chosen, "__module__": __name__}
        return type("ChosenCustomReport", (cls,), attributes)

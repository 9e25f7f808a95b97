"""6.5.48.9 — "Por atualizações no sistema": who changed what, from the audit log."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from analytics.reports.base import PERIOD, Dimension, Measure, Report, TextFilter


class SystemChangesReport(Report):
    """Changes recorded in the tenant's audit log, counted by São Paulo day (or month), user,
    action and object type. "Objetos alterados" counts distinct objects (type and id) changed;
    entries without an object (a login policy, an export) count as changes only."""

    slug = "alteracoes"
    requirement = "6.5.48.9"
    title = _("Alterações no sistema")
    description = _(
        "Alterações registradas no log de auditoria, por usuário, ação e tipo de objeto, "
        "por dia ou mês no horário de Brasília."
    )
    capabilities = ("view_audit_log", "view_reports")
    table = "audit_events"
    dimensions = (
        PERIOD,
        Dimension(key="usuario", label=_("Usuário"), kind="text", expression="actor_label"),
        Dimension(key="acao", label=_("Ação"), kind="text", expression="action"),
        Dimension(
            key="tipo_objeto", label=_("Tipo de objeto"), kind="text", expression="object_type"
        ),
    )
    measures = (
        Measure(key="alteracoes", label=_("Alterações"), kind="int", expression="count()"),
        Measure(
            key="objetos",
            label=_("Objetos alterados"),
            kind="int",
            expression="uniqExactIf((object_type, object_id), object_id != '')",
        ),
    )
    filters = (
        TextFilter(key="usuario", label=_("Usuário"), column="actor_label"),
        TextFilter(key="acao", label=_("Ação"), column="action"),
        TextFilter(key="tipo_objeto", label=_("Tipo de objeto"), column="object_type"),
    )

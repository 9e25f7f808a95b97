"""Reports over the tenant API (6.5.48, 6.5.63): list, run, and download as CSV or XLSX.

The tenant is the one of the host the call is made on — a token is only valid on its own
tenant's host — so a report can only ever read that tenant's rows.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import Query, Router, Schema
from ninja.errors import HttpError

from analytics.downloads import FORMATS, report_file_response
from analytics.errors import AnalyticsUnavailable
from analytics.forms import ReportForm
from analytics.reports import REPORTS, report_get
from analytics.reports.base import Report, ReportResult
from analytics.views import report_export_record
from core.api import ErrorOut

router = Router(tags=["relatórios"])


class ColumnOut(Schema):
    key: str
    label: str
    kind: str


class FilterOut(Schema):
    key: str
    label: str


class ReportInfoOut(Schema):
    slug: str
    requirement: str
    title: str
    description: str
    dimensions: list[ColumnOut]
    measures: list[ColumnOut]
    filters: list[FilterOut]


class ReportOut(Schema):
    slug: str
    requirement: str
    title: str
    start: date
    end: date
    granularity: str
    columns: list[ColumnOut]
    rows: list[dict[str, Any]]
    totals: dict[str, Any]
    truncated: bool


class ReportQuery(Schema):
    """Common parameters. Each report's own filters (GET /relatorios lists them) are more
    query parameters named by their key, e.g. `?usuario=ana@prefeitura.gov.br`."""

    inicio: date | None = None
    fim: date | None = None
    agrupamento: str | None = None
    dimensoes: list[str] | None = None


class DownloadQuery(ReportQuery):
    formato: str = "csv"


def _report_class(request: HttpRequest, slug: str) -> type[Report]:
    report = report_get(slug)
    if report is None:
        raise HttpError(404, _("Relatório não encontrado."))
    if not report.allowed(request.user):
        raise HttpError(403, _("Seu papel não permite esta operação."))
    return report


def _report(request: HttpRequest, slug: str) -> Report:
    form = ReportForm(_report_class(request, slug), request.GET, user=request.user)
    if not form.is_valid():
        message, _field = form.first_error()
        raise HttpError(422, message)
    return form.build(tenant_id=request.tenant.pk)  # type: ignore[attr-defined]


def _run(report: Report) -> ReportResult:
    try:
        return report.run()
    except AnalyticsUnavailable as error:
        raise HttpError(503, error.message) from error


def _columns(items: Any) -> list[dict[str, str]]:
    return [{"key": item.key, "label": str(item.label), "kind": item.kind} for item in items]


@router.get("", response=list[ReportInfoOut], summary="Listar relatórios")
def report_list(request: HttpRequest) -> list[dict[str, Any]]:
    """The reports this user may run, with their columns and filters."""
    return [
        {
            "slug": report.slug,
            "requirement": report.requirement,
            "title": str(report.title),
            "description": str(report.description),
            "dimensions": _columns(report.dimensions),
            "measures": _columns(report.measures),
            "filters": [{"key": f.key, "label": str(f.label)} for f in report.filters],
        }
        for report in REPORTS.values()
        if report.allowed(request.user)
    ]


@router.get(
    "/{slug}",
    response={200: ReportOut, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Gerar relatório",
)
def report_run(request: HttpRequest, slug: str, params: Query[ReportQuery]) -> dict[str, Any]:
    """Runs a report over a period of São Paulo days (`inicio`..`fim`, both included; by
    default this month so far), grouped by day or month (`agrupamento=dia|mes`) and by the
    chosen `dimensoes` (all when none). Rows are objects keyed by column key."""
    report = _report(request, slug)
    result = _run(report)
    return {
        "slug": report.slug,
        "requirement": report.requirement,
        "title": str(report.title),
        "start": report.period.start,
        "end": report.period.end,
        "granularity": report.granularity.value,
        "columns": _columns(result.columns),
        "rows": result.as_dicts(),
        "totals": result.totals,
        "truncated": result.truncated,
    }


@router.get(
    "/{slug}/arquivo",
    response={200: None, 403: ErrorOut, 404: ErrorOut, 422: ErrorOut, 503: ErrorOut},
    summary="Baixar relatório (CSV, XLSX ou PDF)",
)
def report_download(request: HttpRequest, slug: str, params: Query[DownloadQuery]) -> HttpResponse:
    """The same report as a file (6.5.48.13): `formato=csv` (`;`, UTF-8 with BOM), `xlsx` or
    `pdf`."""
    if params.formato not in FORMATS:
        raise HttpError(422, _("Formato inválido: use csv, xlsx ou pdf."))
    report = _report(request, slug)
    result = _run(report)
    report_export_record(request, report, fmt=params.formato, rows=len(result.rows), via="api")
    return report_file_response(report, result, params.formato, generated_by=str(request.user))

"""Report screens (tenant host): the list of reports and one page per report, with CSV and
XLSX downloads. The figures come from ClickHouse; the tenant is the request's, never a
parameter."""

from __future__ import annotations

from datetime import date
from typing import Any

from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils.formats import number_format
from django.views.decorators.http import require_safe

from analytics.downloads import FORMATS, report_file_response
from analytics.errors import AnalyticsUnavailable
from analytics.forms import ReportForm
from analytics.reports import REPORTS, report_get
from analytics.reports.base import Column, Report, ReportResult
from security.actors import Actor
from security.audit import audit_record


def report_class_for(request: HttpRequest, slug: str) -> type[Report]:
    """The report, if the user may run it (404 for an unknown one, 403 for a forbidden one)."""
    report = report_get(slug)
    if report is None:
        raise Http404
    if not report.allowed(request.user):
        raise PermissionDenied
    return report


def report_export_record(
    request: HttpRequest, report: Report, *, fmt: str, rows: int, via: str = "web"
) -> None:
    """Who took a copy of which report, with which filters (like the logs' exports)."""
    with transaction.atomic():
        audit_record(
            actor=Actor.from_request(request, via=via),
            action="report.export",
            object_type="report",
            object_id=report.slug,
            object_repr=str(report.title),
            after={
                "inicio": report.period.start,
                "fim": report.period.end,
                "agrupamento": report.granularity.value,
                "colunas": [d.key for d in report.chosen],
                "filtros": report.filter_values,
                "formato": fmt,
                "linhas": rows,
            },
        )


def _display(column: Column, value: Any) -> str:
    if value is None:
        return ""
    if column.kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if column.kind == "month" and isinstance(value, date):
        return value.strftime("%m/%Y")
    if column.kind in ("int", "decimal"):
        return str(number_format(value, use_l10n=True, force_grouping=True))
    return str(value)


def _display_rows(result: ReportResult) -> list[list[str]]:
    return [
        [_display(c, v) for c, v in zip(result.columns, row, strict=True)] for row in result.rows
    ]


@require_safe
def report_index(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    reports = [report for report in REPORTS.values() if report.allowed(request.user)]
    if not reports:
        raise PermissionDenied
    return render(request, "analytics/report_index.html", {"reports": reports})


@require_safe
def report_detail(request: HttpRequest, slug: str) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    report_class = report_class_for(request, slug)
    form = ReportForm(report_class, request.GET)
    context: dict[str, Any] = {"report_class": report_class, "form": form, "chosen": []}
    status = 200
    if form.is_valid():
        report = form.build(tenant_id=request.tenant.pk)  # type: ignore[attr-defined]
        try:
            result = report.run()
        except AnalyticsUnavailable as error:
            context["unavailable"] = error.message
            status = 503
        else:
            fmt = request.GET.get("formato", "")
            if fmt in FORMATS:
                report_export_record(request, report, fmt=fmt, rows=len(result.rows))
                return report_file_response(report, result, fmt)
            context.update(
                {
                    "report": report,
                    "chosen": [dimension.key for dimension in report.chosen],
                    "result": result,
                    "rows": _display_rows(result),
                    "totals": [_display(c, result.totals.get(c.key)) for c in result.columns],
                }
            )
    query = request.GET.copy()
    query.pop("formato", None)
    context["query"] = query.urlencode()
    return render(request, "analytics/report.html", context, status=status)

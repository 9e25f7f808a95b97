"""Report screens (tenant host): the list of reports and one page per report, with CSV and
XLSX downloads. The figures come from ClickHouse; the tenant is the request's, never a
parameter."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from analytics.downloads import FORMATS, cell_text, report_file_response
from analytics.errors import AnalyticsUnavailable
from analytics.forms import DashboardLayoutForm, ReportForm, SavedReportForm, preset_period
from analytics.labels import choices_for
from analytics.models import DashboardLayout, SavedReport
from analytics.reports import REPORTS, report_get
from analytics.reports.base import Column, Report, ReportResult
from analytics.reports.custom import CustomReport
from analytics.selectors import saved_report_may_delete, saved_reports_for
from analytics.services import (
    dashboard_layout_save,
    saved_report_create,
    saved_report_delete,
)
from analytics.widgets import DEFAULT_LAYOUT, WIDGETS, widget_context
from core.permissions import has_capability
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
    return cell_text(column, value)


def _display_rows(result: ReportResult) -> list[list[str]]:
    return [
        [_display(c, v) for c, v in zip(result.columns, row, strict=True)] for row in result.rows
    ]


def _saved_query(request: HttpRequest) -> str:
    query = request.GET.copy()
    for key in ("formato", "inicio", "fim"):
        query.pop(key, None)
    return query.urlencode()


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
    form = ReportForm(report_class, request.GET, user=request.user)
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
                return report_file_response(report, result, fmt, generated_by=str(request.user))
            if report_class is CustomReport:
                context["save_form"] = SavedReportForm(
                    initial={"parametros": _saved_query(request)}, user=request.user
                )
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


# --- Saved custom reports (6.5.48.1) ------------------------------------------------------


def _builder_allowed(request: HttpRequest) -> None:
    if not CustomReport.allowed(request.user):
        raise PermissionDenied


@require_safe
def saved_report_list(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _builder_allowed(request)
    saved = saved_reports_for(request.user, request.tenant.pk)  # type: ignore[attr-defined]
    teams = dict(choices_for("team"))
    rows = [
        {
            "saved": item,
            "teams": [teams.get(str(team), "") for team in item.shared_team_ids],
            "may_delete": saved_report_may_delete(request.user, item),
        }
        for item in saved
    ]
    return render(request, "analytics/saved_reports.html", {"rows": rows})


@require_POST
def saved_report_create_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _builder_allowed(request)
    form = SavedReportForm(request.POST, user=request.user)
    if not form.is_valid():
        return render(request, "analytics/saved_report_form.html", {"form": form}, status=422)
    saved = saved_report_create(
        actor=Actor.from_request(request),
        tenant=request.tenant,  # type: ignore[attr-defined]
        name=form.cleaned_data["nome"],
        period=form.cleaned_data["periodo"],
        parameters=form.cleaned_data["parametros"],
        team_ids=[int(team) for team in form.cleaned_data["equipes"]],
    )
    messages.success(request, _("Relatório “%(name)s” salvo.") % {"name": saved.name})
    return redirect("analytics:saved_report_list")


def _saved_get(request: HttpRequest, pk: int) -> SavedReport:
    saved = saved_reports_for(request.user, request.tenant.pk).filter(pk=pk).first()  # type: ignore[attr-defined]
    if saved is None:
        raise Http404
    return saved


@require_safe
def saved_report_open(request: HttpRequest, pk: int) -> HttpResponse:
    """Opens the builder with the saved choices and the preset period as of today."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _builder_allowed(request)
    saved = _saved_get(request, pk)
    start, end = preset_period(saved.period)
    query = QueryDict(mutable=True)
    for key, value in saved.parameters.items():
        if isinstance(value, list):
            query.setlist(key, [str(item) for item in value])
        else:
            query[key] = str(value)
    query["inicio"], query["fim"] = start.isoformat(), end.isoformat()
    url = reverse("analytics:report_detail", args=[CustomReport.slug])
    return redirect(f"{url}?{query.urlencode()}")


@require_POST
def saved_report_delete_view(request: HttpRequest, pk: int) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _builder_allowed(request)
    saved = _saved_get(request, pk)
    if not saved_report_may_delete(request.user, saved):
        raise PermissionDenied
    saved_report_delete(actor=Actor.from_request(request), saved=saved)
    messages.success(request, _("Relatório excluído."))
    return redirect("analytics:saved_report_list")


# --- Supervisor dashboard (6.5.43) --------------------------------------------------------

DASHBOARD_REFRESH_SECONDS = 30


def _dashboard_allowed(request: HttpRequest) -> None:
    if not has_capability(request.user, "view_reports"):
        raise PermissionDenied


def _layout(request: HttpRequest) -> list[dict[str, str]]:
    saved = DashboardLayout.objects.filter(
        tenant=request.tenant,  # type: ignore[attr-defined]
        user_id=int(request.user.pk or 0),
    ).first()
    if saved is None:
        return list(DEFAULT_LAYOUT)
    return [item for item in saved.widgets if item.get("key") in WIDGETS]


@require_safe
def dashboard_view(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _dashboard_allowed(request)
    items = [(WIDGETS[item["key"]], item["size"]) for item in _layout(request)]
    return render(
        request,
        "analytics/dashboard.html",
        {"items": items, "refresh_seconds": DASHBOARD_REFRESH_SECONDS},
    )


@require_safe
def dashboard_widget(request: HttpRequest, key: str) -> HttpResponse:
    """One widget's figures (fetched by the page on load and every refresh)."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _dashboard_allowed(request)
    if key not in WIDGETS:
        raise Http404
    try:
        context = widget_context(key, tenant_id=request.tenant.pk, user=request.user)  # type: ignore[attr-defined]
    except AnalyticsUnavailable as error:
        return render(request, "analytics/_widget_unavailable.html", {"message": error.message})
    return render(request, f"analytics/widgets/{key}.html", context)


@require_http_methods(["GET", "POST"])
def dashboard_customize(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    _dashboard_allowed(request)
    form = DashboardLayoutForm(request.POST or None, layout=_layout(request))
    if request.method == "POST" and form.is_valid():
        dashboard_layout_save(
            actor=Actor.from_request(request),
            tenant=request.tenant,  # type: ignore[attr-defined]
            user_id=int(request.user.pk or 0),
            widgets=form.widgets(),
        )
        messages.success(request, _("Painel salvo."))
        return redirect("analytics:dashboard")
    status = 422 if request.method == "POST" else 200
    return render(request, "analytics/dashboard_customize.html", {"form": form}, status=status)

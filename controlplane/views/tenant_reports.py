"""Client side (tenant host): the auditor downloads the monthly availability report."""

from __future__ import annotations

from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_safe

from controlplane.reports.availability_report import (
    available_months,
    month_window_valid,
    tenant_availability_report,
)
from controlplane.views.report_downloads import report_response
from core.permissions import capability_required
from tenants.models import Tenant


def _current_tenant() -> Tenant:
    tenant = getattr(connection, "tenant", None)
    if not isinstance(tenant, Tenant):
        raise Http404
    return tenant


@capability_required("view_reports")
@require_safe
def availability_months(request: HttpRequest) -> HttpResponse:
    return render(
        request, "controlplane/tenant_side/availability_months.html", {"months": available_months()}
    )


@capability_required("view_reports")
@require_safe
def availability_month(request: HttpRequest, year: int, month: int) -> HttpResponse:
    if not month_window_valid(year, month):
        raise Http404
    report = tenant_availability_report(tenant=_current_tenant(), year=year, month=month)
    return render(
        request,
        "controlplane/tenant_side/availability_month.html",
        {
            "report": report,
            "pdf_url": f"{request.path}pdf/",
            "csv_url": f"{request.path}csv/",
        },
    )


@capability_required("view_reports")
@require_safe
def availability_download(
    request: HttpRequest, year: int, month: int, extension: str
) -> HttpResponse:
    return report_response(_current_tenant(), year, month, extension)

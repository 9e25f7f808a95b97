"""The availability report as a file download, shared by operators' and clients' screens."""

from __future__ import annotations

from django.http import Http404, HttpResponse

from controlplane.reports.availability_report import (
    month_window_valid,
    report_csv,
    report_filename,
    report_pdf,
    tenant_availability_report,
)
from tenants.models import Tenant


def report_response(tenant: Tenant, year: int, month: int, extension: str) -> HttpResponse:
    if extension not in {"pdf", "csv"} or not month_window_valid(year, month):
        raise Http404
    report = tenant_availability_report(tenant=tenant, year=year, month=month)
    if extension == "pdf":
        response = HttpResponse(report_pdf(report), content_type="application/pdf")
    else:
        # The BOM makes spreadsheet programs read the accents as UTF-8.
        response = HttpResponse(
            "\ufeff" + report_csv(report), content_type="text/csv; charset=utf-8"
        )
    response["Content-Disposition"] = f'attachment; filename="{report_filename(report, extension)}"'
    response["Cache-Control"] = "private, no-store"
    return response

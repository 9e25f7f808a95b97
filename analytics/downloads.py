"""Reports as CSV, XLSX and PDF files (6.5.48.13).

Same conventions as the logs' exports (security/exports.py): CSV with `;` and a UTF-8 BOM, which
Excel in pt-BR opens as columns, and text cells that would start a formula prefixed with an
apostrophe. Here the cells keep their type: days and months are dates in the XLSX (shown
dd/mm/aaaa and mm/aaaa) and dd/mm/aaaa in the CSV; counts are numbers; decimals use a comma in the
CSV; durations (TMA, TME, pauses) are h:mm:ss text in the CSV and PDF and time values in the
XLSX. The last row holds the totals of the whole period. The PDF (WeasyPrint) is the page's
table with the period, the filters and who generated it.
"""

from __future__ import annotations

import csv
import io
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.formats import number_format
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from analytics.reports.base import Column, Report, ReportResult
from security.exports import FORMULA_STARTS

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PDF_TYPE = "application/pdf"
FORMATS = ("csv", "xlsx", "pdf")


def duration_text(seconds: Any) -> str:
    """Whole seconds as h:mm:ss (hours may pass 24)."""
    if seconds is None:
        return ""
    total = int(seconds)
    return f"{total // 3600}:{total % 3600 // 60:02d}:{total % 60:02d}"


def cell_text(column: Column, value: Any) -> str:
    """A value as the screen and the PDF show it (pt-BR numbers, dd/mm/aaaa, h:mm:ss)."""
    if value is None:
        return ""
    if column.kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if column.kind == "month" and isinstance(value, date):
        return value.strftime("%m/%Y")
    if column.kind == "duration":
        return duration_text(value)
    if column.kind in ("int", "decimal"):
        return str(number_format(value, use_l10n=True, force_grouping=True))
    return str(value)


def _text(value: Any) -> str:
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def _csv_cell(column: Column, value: Any) -> Any:
    if value is None:
        return ""
    if column.kind == "date" and isinstance(value, date):
        return value.strftime("%d/%m/%Y")
    if column.kind == "month" and isinstance(value, date):
        return value.strftime("%m/%Y")
    if column.kind == "decimal":
        return str(value).replace(".", ",")
    if column.kind == "duration":
        return duration_text(value)
    if column.kind == "int":
        return int(value)
    return _text(value)


_TEXT = Column(key="", label="", kind="text")


def _total_row(result: ReportResult) -> list[tuple[Column, Any]]:
    """The totals of the whole period under the measures, "Total" in the first column; none
    when the report has no dimension (its one row is the total)."""
    if not any(column.key not in result.totals for column in result.columns):
        return []
    cells: list[tuple[Column, Any]] = []
    for index, column in enumerate(result.columns):
        if column.key in result.totals:
            cells.append((column, result.totals[column.key]))
        else:
            cells.append((_TEXT, _("Total") if index == 0 else None))
    return cells


def report_csv(result: ReportResult) -> bytes:
    text = io.StringIO()
    text.write("\ufeff")
    writer = csv.writer(text, delimiter=";", lineterminator="\r\n")
    writer.writerow([str(column.label) for column in result.columns])
    for row in result.rows:
        writer.writerow([_csv_cell(c, v) for c, v in zip(result.columns, row, strict=True)])
    total = _total_row(result)
    if total:
        writer.writerow([_csv_cell(column, value) for column, value in total])
    return text.getvalue().encode("utf-8")


def _xlsx_cell(sheet: Worksheet, column: Column, value: Any, *, bold: bool = False) -> Any:
    if column.kind in ("date", "month") and isinstance(value, date):
        cell = WriteOnlyCell(sheet, value=value)
        cell.number_format = "DD/MM/YYYY" if column.kind == "date" else "MM/YYYY"
    elif column.kind == "int" and value is not None:
        cell = WriteOnlyCell(sheet, value=int(value))
    elif column.kind == "decimal" and value is not None:
        cell = WriteOnlyCell(sheet, value=Decimal(value))
    elif column.kind == "duration" and value is not None:
        cell = WriteOnlyCell(sheet, value=timedelta(seconds=int(value)))
        cell.number_format = "[h]:mm:ss"
    else:
        cell = WriteOnlyCell(sheet, value=_text(value) if value is not None else None)
    if bold:
        cell.font = Font(bold=True)
    return cell


def report_xlsx(result: ReportResult, *, title: str) -> bytes:
    workbook = Workbook(write_only=True)
    sheet = workbook.create_sheet(title=title[:31])
    sheet.append([_xlsx_cell(sheet, _TEXT, str(c.label), bold=True) for c in result.columns])
    for row in result.rows:
        sheet.append([_xlsx_cell(sheet, c, v) for c, v in zip(result.columns, row, strict=True)])
    total = _total_row(result)
    if total:
        sheet.append([_xlsx_cell(sheet, column, value, bold=True) for column, value in total])
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def report_pdf(report: Report, result: ReportResult, *, generated_by: str = "") -> bytes:
    from weasyprint import HTML  # imported here: it takes a second and only PDFs need it

    rows = [
        [cell_text(c, v) for c, v in zip(result.columns, row, strict=True)] for row in result.rows
    ]
    total = _total_row(result)
    html = render_to_string(
        "analytics/report_pdf.html",
        {
            "report": report,
            "columns": result.columns,
            "rows": rows,
            "totals": [cell_text(column, value) for column, value in total],
            "truncated": result.truncated,
            "filters": _filter_labels(report),
            "generated_at": timezone.localtime(),
            "generated_by": generated_by,
        },
    )
    return bytes(HTML(string=html).write_pdf())


def _filter_labels(report: Report) -> list[tuple[str, str]]:
    from analytics.labels import labels_for
    from analytics.reports.base import IdFilter

    result = []
    for item in report.filters:
        value = report.filter_values.get(item.key)
        if not value:
            continue
        if isinstance(item, IdFilter) and value.isdigit():
            value = labels_for(item.labels, [int(value)]).get(int(value), value)
        result.append((str(item.label), value))
    return result


def report_file_response(
    report: Report, result: ReportResult, fmt: str, *, generated_by: str = ""
) -> HttpResponse:
    period = report.period
    filename = f"{report.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    if fmt == "pdf":
        response = HttpResponse(
            report_pdf(report, result, generated_by=generated_by), content_type=PDF_TYPE
        )
    elif fmt == "xlsx":
        response = HttpResponse(
            report_xlsx(result, title=str(report.title)), content_type=XLSX_TYPE
        )
    else:
        response = HttpResponse(report_csv(result), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""Reports as CSV and XLSX files (6.5.48.13).

Same conventions as the logs' exports (security/exports.py): CSV with `;` and a UTF-8 BOM, which
Excel in pt-BR opens as columns, and text cells that would start a formula prefixed with an
apostrophe. Here the cells keep their type: days and months are dates in the XLSX (shown
dd/mm/aaaa and mm/aaaa) and dd/mm/aaaa in the CSV; counts are numbers; decimals use a comma in the
CSV. The last row holds the totals of the whole period.
"""

from __future__ import annotations

import csv
import io
from datetime import date
from decimal import Decimal
from typing import Any

from django.http import HttpResponse
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.cell import WriteOnlyCell
from openpyxl.styles import Font
from openpyxl.worksheet.worksheet import Worksheet

from analytics.reports.base import Column, Report, ReportResult
from security.exports import FORMULA_STARTS

CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
FORMATS = ("csv", "xlsx")


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


def report_file_response(report: Report, result: ReportResult, fmt: str) -> HttpResponse:
    period = report.period
    filename = f"{report.slug}-{period.start:%Y%m%d}-{period.end:%Y%m%d}.{fmt}"
    if fmt == "xlsx":
        response = HttpResponse(
            report_xlsx(result, title=str(report.title)), content_type=XLSX_TYPE
        )
    else:
        response = HttpResponse(report_csv(result), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response

"""CSV and XLSX downloads of the logs (6.2.17, 6.2.18, 6.5.23.15).

CSV uses `;` and a UTF-8 BOM, which is what Excel in pt-BR opens correctly. Cells that would
start a formula (`=`, `+`, `-`, `@`) are prefixed with an apostrophe: a log holds text typed by
anyone, and a spreadsheet must not execute it.
"""

from __future__ import annotations

import csv
import io
from collections.abc import Iterable, Sequence
from datetime import datetime
from typing import Any

from django.http import HttpResponse
from django.utils import timezone
from openpyxl import Workbook

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
CSV_TYPE = "text/csv; charset=utf-8"
XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


def _cell(value: Any) -> Any:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return timezone.localtime(value).strftime("%d/%m/%Y %H:%M:%S")
    if isinstance(value, int | float):
        return value
    text = str(value)
    return f"'{text}" if text.startswith(FORMULA_STARTS) else text


def export_response(
    *, fmt: str, filename: str, header: Sequence[str], rows: Iterable[Sequence[Any]]
) -> HttpResponse:
    if fmt == "xlsx":
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet()
        sheet.append(list(header))
        for row in rows:
            sheet.append([_cell(value) for value in row])
        buffer = io.BytesIO()
        workbook.save(buffer)
        response = HttpResponse(buffer.getvalue(), content_type=XLSX_TYPE)
        response["Content-Disposition"] = f'attachment; filename="{filename}.xlsx"'
        return response
    text = io.StringIO()
    text.write("\ufeff")
    writer = csv.writer(text, delimiter=";")
    writer.writerow(header)
    for row in rows:
        writer.writerow([_cell(value) for value in row])
    response = HttpResponse(text.getvalue().encode("utf-8"), content_type=CSV_TYPE)
    response["Content-Disposition"] = f'attachment; filename="{filename}.csv"'
    return response

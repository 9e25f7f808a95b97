"""The three renderings of a statement (6.6.4): PDF (WeasyPrint), CSV and XLSX (openpyxl).

All three are made from the same content dict. They are rendered once, at closing, and stored.
"""

from __future__ import annotations

import csv
import io
import logging
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils.translation import gettext as _
from openpyxl import Workbook
from openpyxl.styles import Font

from billing.money import format_decimal_plain
from billing.statements.present import (
    adjustment_description,
    cnpj_label,
    kind_label,
    operation_label,
    presented,
)

_FIXED_TIME = datetime(2000, 1, 1, tzinfo=UTC).replace(tzinfo=None)
# WeasyPrint reports every layout step at INFO; one statement would add a dozen log lines.
logging.getLogger("weasyprint.progress").setLevel(logging.WARNING)


def render_pdf(content: dict[str, Any], *, content_hash: str | None) -> bytes:
    from weasyprint import HTML  # imported here: it takes a second and only closing needs it

    html = render_to_string(
        "billing/statement_pdf.html",
        {"s": presented(content, content_hash=content_hash), "preview": content_hash is None},
    )
    return bytes(HTML(string=html).write_pdf())


def _kind_csv(kind: str) -> str:
    return "sessao" if kind == "session" else "modelo"


def render_csv(content: dict[str, Any], *, content_hash: str | None) -> bytes:
    """Semicolon-separated with decimal commas, as spreadsheets in pt-BR expect; UTF-8 with BOM.
    One table: the first column says which part of the statement a row belongs to."""
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    columns = [
        "secao",
        "campo",
        "data_inicial",
        "data_final",
        "tipo",
        "ajuste_de",
        "quantidade",
        "custo_unitario",
        "valor",
        "descricao",
    ]

    def write(row: list[Any]) -> None:
        writer.writerow(row + [""] * (len(columns) - len(row)))

    write(columns)
    write(
        [
            "cabecalho",
            "fornecedor",
            "",
            "",
            "",
            "",
            "",
            "",
            f"{content['provider']['name']} ({cnpj_label(content['provider']['cnpj'])})",
        ]
    )
    write(
        [
            "cabecalho",
            "contratante",
            "",
            "",
            "",
            "",
            "",
            "",
            f"{content['tenant']['name']} ({cnpj_label(content['tenant']['cnpj'])})",
        ]
    )
    write(
        [
            "cabecalho",
            "contrato",
            content["contract"]["term_start"],
            content["contract"]["term_end"],
            "",
            "",
            content["contract"]["contracted_messages"],
            "",
            content["contract"]["reference"],
        ]
    )
    write(
        [
            "cabecalho",
            "periodo",
            content["period"]["start"],
            content["period"]["end"],
            "",
            "",
            "",
            "",
            content["period"]["label"],
        ]
    )
    write(
        [
            "cabecalho",
            "hash",
            "",
            "",
            "",
            "",
            "",
            "",
            content_hash or _("PRÉVIA — período em aberto, sem valor de extrato"),
        ]
    )
    for price in content["prices"]:
        for kind in ("session", "template"):
            write(
                [
                    "preco",
                    "vigente_a_partir_de",
                    price["effective_from"],
                    "",
                    _kind_csv(kind),
                    "",
                    "",
                    format_decimal_plain(Decimal(price[kind]), 4),
                    "",
                ]
            )
    for day in content["daily"]:
        write(
            [
                "diario",
                "modelo_enviadas",
                day["day"],
                day["day"],
                "modelo",
                "",
                day["template_sent"],
                "",
                "",
            ]
        )
        write(
            [
                "diario",
                "sessao_enviadas",
                day["day"],
                day["day"],
                "sessao",
                "",
                day["session_sent"],
                "",
                "",
            ]
        )
        write(
            [
                "diario",
                "sessao_recebidas",
                day["day"],
                day["day"],
                "sessao",
                "",
                day["session_received"],
                "",
                "",
            ]
        )
    for line in content["lines"]:
        write(
            [
                "item",
                "ajuste" if line["adjustment_of"] else "tarifado",
                line["first_day"],
                line["last_day"],
                _kind_csv(line["kind"]),
                line["adjustment_of"] or "",
                line["quantity"],
                format_decimal_plain(Decimal(line["unit_price"]), 4),
                format_decimal_plain(Decimal(line["amount"]), 4),
            ]
        )
    for adjustment in content.get("adjustments", []):
        write(
            [
                "ajuste_manual",
                "credito" if adjustment["operation"] == "credit" else "debito",
                adjustment["recorded_at"][:10],
                adjustment["recorded_at"][:10],
                _kind_csv(adjustment["kind"]) if adjustment["kind"] else "valor",
                "",
                adjustment["quantity"],
                (
                    format_decimal_plain(Decimal(adjustment["unit_price"]), 4)
                    if adjustment["unit_price"]
                    else ""
                ),
                format_decimal_plain(Decimal(adjustment["amount"]), 4),
                adjustment_description(adjustment),
            ]
        )
    for kind, values in sorted(content["per_kind"].items()):
        write(
            [
                "total_tipo",
                "tarifado",
                content["period"]["start"],
                content["period"]["end"],
                _kind_csv(kind),
                "",
                values["quantity"],
                "",
                format_decimal_plain(Decimal(values["amount"]), 4),
            ]
        )
    write(
        [
            "total",
            "consumidas",
            content["period"]["start"],
            content["period"]["end"],
            "",
            "",
            content["consumed"]["total"],
            "",
            "",
        ]
    )
    write(["total", "nao_tarifadas", "", "", "", "", sum(content["unpriced"].values()), "", ""])
    if content.get("adjustments"):
        write(
            [
                "total",
                "ajustes_manuais",
                "",
                "",
                "",
                "",
                content["adjustments_total"]["quantity"],
                "",
                format_decimal_plain(Decimal(content["adjustments_total"]["amount"]), 4),
            ]
        )
    write(
        [
            "total",
            "valor_exato",
            "",
            "",
            "",
            "",
            content["billed_quantity"],
            "",
            format_decimal_plain(Decimal(content["total_exact"]), 4),
        ]
    )
    write(
        [
            "total",
            "valor_faturado",
            "",
            "",
            "",
            "",
            content["billed_quantity"],
            "",
            format_decimal_plain(Decimal(content["total_billed"]), 2),
        ]
    )
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")


_MONEY4 = '"R$" #,##0.0000'
_MONEY2 = '"R$" #,##0.00'
_COUNT = "#,##0"


def render_xlsx(content: dict[str, Any], *, content_hash: str | None) -> bytes:
    workbook = Workbook()
    bold = Font(bold=True)

    summary = workbook.active
    summary.title = "Resumo"
    header_rows: list[tuple[str, Any]] = [
        (_("Extrato mensal de consumo"), content["period"]["label"]),
        (_("Fornecedor"), content["provider"]["name"]),
        (_("CNPJ do fornecedor"), cnpj_label(content["provider"]["cnpj"])),
        (_("Contratante"), content["tenant"]["name"]),
        (_("CNPJ do contratante"), cnpj_label(content["tenant"]["cnpj"])),
        (_("Contrato"), content["contract"]["reference"]),
        (_("Período"), f"{content['period']['start']} a {content['period']['end']}"),
        (_("Mensagens contratadas (vigência)"), content["contract"]["contracted_messages"]),
        (_("Mensagens consumidas no período"), content["consumed"]["total"]),
        (_("Mensagens tarifadas"), content["billed_quantity"]),
        (_("Valor exato"), Decimal(content["total_exact"])),
        (_("Valor faturado"), Decimal(content["total_billed"])),
        (_("Hash de verificação"), content_hash or _("PRÉVIA — período em aberto")),
    ]
    for label, value in header_rows:
        summary.append([label, value])
        summary.cell(row=summary.max_row, column=1).font = bold
    summary["B8"].number_format = _COUNT
    summary["B9"].number_format = _COUNT
    summary["B10"].number_format = _COUNT
    summary["B11"].number_format = _MONEY4
    summary["B12"].number_format = _MONEY2
    summary.column_dimensions["A"].width = 36
    summary.column_dimensions["B"].width = 70

    items = workbook.create_sheet("Itens")
    items.append(
        [
            _("Descrição"),
            _("Tipo"),
            _("Ajuste de"),
            _("De"),
            _("Até"),
            _("Quantidade"),
            _("Custo unitário"),
            _("Valor"),
        ]
    )
    for line in content["lines"]:
        items.append(
            [
                kind_label(line["kind"]),
                line["kind"],
                line["adjustment_of"] or "",
                line["first_day"],
                line["last_day"],
                line["quantity"],
                Decimal(line["unit_price"]),
                Decimal(line["amount"]),
            ]
        )
        items.cell(row=items.max_row, column=6).number_format = _COUNT
        items.cell(row=items.max_row, column=7).number_format = _MONEY4
        items.cell(row=items.max_row, column=8).number_format = _MONEY4
    for kind, values in sorted(content["per_kind"].items()):
        items.append(
            [
                _("Total do mês: %(kind)s") % {"kind": kind_label(kind)},
                kind,
                "",
                "",
                "",
                values["quantity"],
                None,
                Decimal(values["amount"]),
            ]
        )
        items.cell(row=items.max_row, column=8).number_format = _MONEY4
    if content.get("adjustments"):
        items.append(
            [
                _("Ajustes manuais (ver a aba Ajustes)"),
                "",
                "",
                "",
                "",
                content["adjustments_total"]["quantity"],
                None,
                Decimal(content["adjustments_total"]["amount"]),
            ]
        )
        items.cell(row=items.max_row, column=8).number_format = _MONEY4
    items.append(
        [
            _("Total exato"),
            "",
            "",
            "",
            "",
            content["billed_quantity"],
            None,
            Decimal(content["total_exact"]),
        ]
    )
    items.cell(row=items.max_row, column=8).number_format = _MONEY4
    items.append(
        [
            _("Total faturado (arredondamento ABNT NBR 5891)"),
            "",
            "",
            "",
            "",
            content["billed_quantity"],
            None,
            Decimal(content["total_billed"]),
        ]
    )
    items.cell(row=items.max_row, column=8).number_format = _MONEY2
    for cell in items[1]:
        cell.font = bold

    if content.get("adjustments"):
        adjustments = workbook.create_sheet("Ajustes")
        adjustments.append(
            [
                _("Operação"),
                _("Tipo"),
                _("Mensagens"),
                _("Custo unitário"),
                _("Valor"),
                _("Justificativa"),
                _("Registrado em"),
                _("Registrado por"),
            ]
        )
        for adjustment in content["adjustments"]:
            adjustments.append(
                [
                    operation_label(adjustment["operation"]),
                    adjustment["kind"] or "",
                    adjustment["quantity"],
                    Decimal(adjustment["unit_price"]) if adjustment["unit_price"] else None,
                    Decimal(adjustment["amount"]),
                    adjustment["justification"],
                    adjustment["recorded_at"][:16].replace("T", " "),
                    adjustment["recorded_by"],
                ]
            )
            adjustments.cell(row=adjustments.max_row, column=4).number_format = _MONEY4
            adjustments.cell(row=adjustments.max_row, column=5).number_format = _MONEY4
        for cell in adjustments[1]:
            cell.font = bold

    daily = workbook.create_sheet("Diário")
    daily.append(
        [_("Data"), _("Modelo (HSM) enviadas"), _("Sessão enviadas"), _("Sessão recebidas")]
    )
    for day in content["daily"]:
        daily.append(
            [day["day"], day["template_sent"], day["session_sent"], day["session_received"]]
        )
    for cell in daily[1]:
        cell.font = bold

    prices = workbook.create_sheet("Preços")
    prices.append([_("Vigente a partir de"), _("Sessão"), _("Modelo (HSM)")])
    for price in content["prices"]:
        prices.append(
            [price["effective_from"], Decimal(price["session"]), Decimal(price["template"])]
        )
        prices.cell(row=prices.max_row, column=2).number_format = _MONEY4
        prices.cell(row=prices.max_row, column=3).number_format = _MONEY4

    workbook.properties.creator = content["provider"]["name"]
    workbook.properties.created = _FIXED_TIME
    workbook.properties.modified = _FIXED_TIME
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()

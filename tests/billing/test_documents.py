"""The statement documents (6.6.4): the PDF read back as text, the CSV and XLSX opened."""

from __future__ import annotations

import csv
import io
import subprocess
from datetime import date
from decimal import Decimal
from pathlib import Path

import pytest
from openpyxl import load_workbook

from billing.models import Contract, Statement
from billing.selectors import statement_document
from billing.services.contracts import price_change_set
from tenants.models import Tenant
from tests.billing.conftest import TESTS, Close, Meter, sp

pytestmark = pytest.mark.django_db


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "extrato.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True, timeout=60
    )
    return result.stdout.decode()


@pytest.fixture
def march(tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, close: Close) -> Statement:
    """March 2026: a price change on the 15th, sessions both ways, templates, and one late
    February record billed as an adjustment."""
    close(tenant_alfa, date(2026, 2, 1))
    meter(
        tenant_alfa,
        "feb-late",
        sp(2026, 2, 27),
        kind="template",
        origin="bot",
        agent_id=None,
        agent_name="",
    )
    price_change_set(
        actor=TESTS,
        contract=contract_alfa,
        effective_from=date(2026, 3, 15),
        session_price="0.0500",
        template_price="0.4000",
    )
    for n in range(12):
        meter(tenant_alfa, f"out{n}", sp(2026, 3, 2 + n * 2))
    for n in range(9):
        meter(tenant_alfa, f"in{n}", sp(2026, 3, 3 + n * 3), direction="inbound", origin="contact")
    for n in range(5):
        meter(
            tenant_alfa,
            f"tpl{n}",
            sp(2026, 3, 10 + n),
            kind="template",
            origin="system",
            agent_id=None,
            agent_name="",
        )
    return close(tenant_alfa, date(2026, 3, 1))


@pytest.mark.req("6.6.4.1")
@pytest.mark.req("6.6.4.2")
@pytest.mark.req("6.6.4.3")
@pytest.mark.req("6.6.4.4")
@pytest.mark.req("6.6.4.5")
@pytest.mark.req("6.6.4.6")
@pytest.mark.req("6.6.4.7")
def test_pdf_says_what_the_auditor_signs(march: Statement, tmp_path: Path) -> None:
    text = pdf_text(bytes(march.pdf), tmp_path)
    flat = " ".join(text.split())

    assert "Extrato mensal de consumo de mensagens — 03/2026" in flat
    assert "Nuvem Atende Serviços Digitais Ltda." in flat
    assert "CNPJ 34.028.316/0001-03" in flat  # provider
    assert "Prefeitura Municipal de Alfa" in flat
    assert "CNPJ 11.222.333/0001-81" in flat  # tenant
    assert "Contrato nº 042/2026" in flat
    assert "01/03/2026 a 31/03/2026" in flat
    # Unit costs with four decimals, before and after the change on the 15th (6.6.4.6/7).
    for price in ("R$ 0,0457", "R$ 0,3521", "R$ 0,0500", "R$ 0,4000"):
        assert price in flat
    # Totals: 12 sent + 9 received sessions + 5 templates consumed; +1 adjustment billed.
    assert "Total consumido no período 26" in flat
    assert "Total tarifado neste extrato (inclui ajustes) 27" in flat
    # The adjustment's label wraps inside its table cell: check both lines of it.
    assert "Ajuste: mensagens de modelo (HSM) de 27/02/2026 a 1 R$ 0,3521 R$ 0,3521" in flat
    assert "02/2026 registradas após o fechamento 27/02/2026" in flat
    # 11 x 0,0457 + 10 x 0,0500 + 5 x 0,3521 + 1 x 0,3521 (the adjustment) = 3,1153 → 3,12
    assert "11 R$ 0,0457 R$ 0,5027" in flat
    assert "10 R$ 0,0500 R$ 0,5000" in flat
    assert "5 R$ 0,3521 R$ 1,7605" in flat
    assert "Valor exato 27 R$ 3,1153" in flat
    assert "Valor faturado 27 R$ 3,12" in flat
    assert march.total_billed == Decimal("3.12")
    # Daily tables (6.6.4.2, 6.6.4.3) and the verification hash on the document.
    assert "Total diário de mensagens de modelo (template HSM) enviadas" in flat
    assert "Total diário de mensagens de sessão enviadas e recebidas" in flat
    assert "10/03/2026 1" in flat
    assert march.content_hash in flat
    assert "Página 1 de" in flat
    assert "PRÉVIA" not in flat


def test_csv_opens_and_its_figures_match(march: Statement) -> None:
    body = bytes(march.csv).decode("utf-8-sig")
    rows = list(csv.reader(io.StringIO(body), delimiter=";"))

    assert rows[0][:2] == ["secao", "campo"]
    header = {row[1]: row for row in rows if row[0] == "cabecalho"}
    assert header["hash"][8] == march.content_hash
    assert header["periodo"][2:4] == ["2026-03-01", "2026-03-31"]
    items = [row for row in rows if row[0] == "item"]
    assert [(r[1], r[2], r[3], r[4], r[5], r[6], r[7], r[8]) for r in items] == [
        ("tarifado", "2026-03-02", "2026-03-14", "sessao", "", "11", "0,0457", "0,5027"),
        ("tarifado", "2026-03-15", "2026-03-27", "sessao", "", "10", "0,0500", "0,5000"),
        ("tarifado", "2026-03-10", "2026-03-14", "modelo", "", "5", "0,3521", "1,7605"),
        ("ajuste", "2026-02-27", "2026-02-27", "modelo", "2026-02-01", "1", "0,3521", "0,3521"),
    ]
    daily = [row for row in rows if row[0] == "diario"]
    assert len(daily) == 31 * 3
    assert sum(int(r[6]) for r in daily if r[1] == "sessao_recebidas") == 9
    assert sum(int(r[6]) for r in daily if r[1] == "sessao_enviadas") == 12
    assert sum(int(r[6]) for r in daily if r[1] == "modelo_enviadas") == 5
    totals = {row[1]: row for row in rows if row[0] == "total"}
    assert totals["valor_exato"][8] == "3,1153"
    assert totals["valor_faturado"][8] == "3,12"
    assert totals["consumidas"][6] == "26"


def test_xlsx_opens_and_its_figures_match(march: Statement) -> None:
    workbook = load_workbook(io.BytesIO(bytes(march.xlsx)))

    summary = {row[0]: row[1] for row in workbook["Resumo"].iter_rows(values_only=True)}
    assert summary["Contratante"] == "Prefeitura Municipal de Alfa"
    assert summary["CNPJ do contratante"] == "11.222.333/0001-81"
    assert summary["Mensagens tarifadas"] == 27
    assert Decimal(str(summary["Valor faturado"])) == Decimal("3.12")
    assert Decimal(str(summary["Valor exato"])) == Decimal("3.1153")
    assert summary["Hash de verificação"] == march.content_hash
    items = list(workbook["Itens"].iter_rows(min_row=2, values_only=True))
    prices = [Decimal(str(row[6])) for row in items if row[6] is not None]
    assert prices == [Decimal("0.0457"), Decimal("0.05"), Decimal("0.3521"), Decimal("0.3521")]
    amounts = [Decimal(str(row[7])) for row in items[:4]]
    assert amounts == [Decimal("0.5027"), Decimal("0.5"), Decimal("1.7605"), Decimal("0.3521")]
    assert workbook["Itens"]["G2"].number_format == '"R$" #,##0.0000'
    daily = list(workbook["Diário"].iter_rows(min_row=2, values_only=True))
    assert len(daily) == 31
    assert sum(row[1] for row in daily) == 5
    assert sum(row[2] for row in daily) == 12
    assert sum(row[3] for row in daily) == 9


def test_an_open_period_has_a_marked_preview_and_no_hash(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, tmp_path: Path
) -> None:
    meter(tenant_alfa, "open", sp(2026, 4, 2))
    from billing.services.rollups import rollups_refresh

    rollups_refresh()
    document = statement_document(tenant=tenant_alfa, period=date(2026, 4, 1), fmt="pdf")

    assert not document.closed
    assert document.filename == "extrato-alfa-2026-04-previa.pdf"
    flat = " ".join(pdf_text(document.body, tmp_path).split())
    assert "PRÉVIA — período em aberto" in flat
    assert "Total consumido no período 1" in flat
    assert not Statement.objects.exists()

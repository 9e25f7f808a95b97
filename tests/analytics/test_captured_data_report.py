"""Report 6.5.48.10 ("por entrada de dados no fluxo de atendimento") on the hand-computed data
set (tests/analytics/dataset.py): conversations per field and value with the latest value of
each field, period, channel and team filters, a supervisor's teams, masking of values, and the
CSV/XLSX/PDF files."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from pathlib import Path

import pytest
from django.test import Client
from openpyxl import load_workbook

from accounts.roles import Role
from analytics.export import tenant_export
from analytics.reports.base import Period
from tests.analytics.conftest import MakeTenant
from tests.analytics.dataset import Dataset, dataset_build
from tests.analytics.test_operation_reports import QUERY, pdf_text, person, run

pytestmark = pytest.mark.django_db

SLUG = "dados-capturados"
PHONE = "(11) 98765-4321"
PHONE_MASKED = "(**) *****-****"


@pytest.fixture
def data(make_tenant: MakeTenant) -> Dataset:
    built = dataset_build(make_tenant())
    # A second tenant with the same data, exported too: nothing of it may show up.
    dataset_build(make_tenant("Prefeitura Vizinha"))
    tenant_export(tenant=built.tenant, max_batches=100, wait=True)
    return built


@pytest.mark.req("6.5.48.10")
def test_conversations_per_field_and_value_with_the_latest_value(data: Dataset) -> None:
    admin = person(data, Role.ADMIN, "admin@pm.gov.br")

    result = run(data, SLUG, viewer=admin)

    # C1's bairro was corrected from Centro to Jardim América: it counts under the latest only
    assert result.rows == [
        ("bairro", "Centro", 2, 2),
        ("bairro", "Jardim América", 1, 2),
        ("telefone_contato", PHONE, 1, 1),
        ("tipo_solicitacao", "Consulta", 2, 2),
    ]
    assert result.totals == {"atendimentos": 3, "registros": 7}


@pytest.mark.req("6.5.48.10")
def test_per_field_only_counts_each_conversation_once(data: Dataset) -> None:
    admin = person(data, Role.ADMIN, "admin@pm.gov.br")

    result = run(data, SLUG, dimensions=["campo"], viewer=admin)

    assert result.rows == [("bairro", 3, 4), ("telefone_contato", 1, 1), ("tipo_solicitacao", 2, 2)]


@pytest.mark.req("6.5.48.10")
def test_period_channel_team_and_field_filters(data: Dataset) -> None:
    admin = person(data, Role.ADMIN, "admin@pm.gov.br")
    # 10/03 in São Paulo: C1 and C2 (C2's 23:31 is 11/03 in UTC)
    assert run(data, SLUG, period=_day(10), viewer=admin).rows == [
        ("bairro", "Centro", 1, 1),
        ("bairro", "Jardim América", 1, 2),
        ("telefone_contato", PHONE, 1, 1),
        ("tipo_solicitacao", "Consulta", 1, 1),
    ]
    assert run(data, SLUG, period=_day(11), viewer=admin).rows == [
        ("bairro", "Centro", 1, 1),
        ("tipo_solicitacao", "Consulta", 1, 1),
    ]
    whatsapp = str(data.channels["whatsapp"].pk)
    assert run(data, SLUG, filters={"canal": whatsapp}, viewer=admin).rows == [
        ("bairro", "Centro", 1, 1),
        ("bairro", "Jardim América", 1, 2),
        ("tipo_solicitacao", "Consulta", 2, 2),
    ]
    taxes = str(data.teams["Tributos"].pk)
    assert run(data, SLUG, filters={"equipe": taxes}, viewer=admin).rows == [
        ("bairro", "Centro", 1, 1),
        ("telefone_contato", PHONE, 1, 1),
    ]
    assert run(data, SLUG, filters={"campo": "bairro"}, viewer=admin).rows == [
        ("bairro", "Centro", 2, 2),
        ("bairro", "Jardim América", 1, 2),
    ]


def _day(day: int) -> Period:
    return Period(start=date(2026, 3, day), end=date(2026, 3, day))


@pytest.mark.req("6.5.48.10")
def test_supervisor_reads_their_teams_with_values_masked(data: Dataset) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Tributos",))
    auditor = person(data, Role.AUDITOR, "aud@pm.gov.br")
    lonely = person(data, Role.SUPERVISOR, "sozinho@pm.gov.br")

    # A supervisor of Tributos reads C2 only, and without view_sensitive_data the phone is masked
    assert run(data, SLUG, viewer=supervisor).rows == [
        ("bairro", "Centro", 1, 1),
        ("telefone_contato", PHONE_MASKED, 1, 1),
    ]
    # An auditor reads every team, also masked
    rows = run(data, SLUG, viewer=auditor).rows
    assert [row[:2] for row in rows] == [
        ("bairro", "Centro"),
        ("bairro", "Jardim América"),
        ("telefone_contato", PHONE_MASKED),
        ("tipo_solicitacao", "Consulta"),
    ]
    # A supervisor of no team reads nothing
    result = run(data, SLUG, viewer=lonely)
    assert result.rows == []
    assert result.totals == {"atendimentos": 0, "registros": 0}


@pytest.mark.req("6.5.48.10")
@pytest.mark.req("6.5.48.13")
def test_screen_and_csv_xlsx_pdf_files(
    data: Dataset, client_for: Callable[..., Client], tmp_path: Path
) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Saúde", "Tributos"))
    client = client_for(data.tenant, supervisor)
    base = f"/relatorios/{SLUG}/?{QUERY}"

    page = client.get(base)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Jardim América" in html
    assert PHONE not in html

    response = client.get(f"{base}&formato=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Campo", "Valor", "Atendimentos", "Registros"],
        ["bairro", "Centro", "2", "2"],
        ["bairro", "Jardim América", "1", "2"],
        ["telefone_contato", PHONE_MASKED, "1", "1"],
        ["tipo_solicitacao", "Consulta", "2", "2"],
        ["Total", "", "3", "7"],
    ]

    response = client.get(f"{base}&formato=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1:] == [
        ["bairro", "Centro", 2, 2],
        ["bairro", "Jardim América", 1, 2],
        ["telefone_contato", PHONE_MASKED, 1, 1],
        ["tipo_solicitacao", "Consulta", 2, 2],
        ["Total", None, 3, 7],
    ]

    response = client.get(f"{base}&formato=pdf&campo=tipo_solicitacao")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Dados capturados nos atendimentos" in text
    line = next(line for line in text.splitlines() if "Consulta" in line)
    assert line.split()[-2:] == ["2", "2"]
    assert "bairro" not in text


@pytest.mark.req("6.5.48.10")
def test_an_agent_cannot_open_the_report(data: Dataset, client_for: Callable[..., Client]) -> None:
    agent = data.agents["Ana"]
    assert client_for(data.tenant, agent).get(f"/relatorios/{SLUG}/?{QUERY}").status_code == 403

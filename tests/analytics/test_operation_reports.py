"""The reports of 6.5.48 on the hand-computed data set (tests/analytics/dataset.py): figures,
TMA/TME as docs/analytics.md defines them, São Paulo day boundaries, channel and team filters,
roles (a supervisor reads only their teams), masking of contacts, and the CSV/XLSX/PDF files."""

from __future__ import annotations

import csv
import io
import subprocess
from collections.abc import Callable
from datetime import date, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from analytics.export import tenant_export
from analytics.reports import report_get
from analytics.reports.base import Granularity, Period, Report, ReportResult
from analytics.scoping import report_scope
from desk.models import Team
from routing.models import TeamMembership
from security.models import AuditEntry
from tests.analytics.conftest import MakeTenant
from tests.analytics.dataset import CHAT_TEXT, Dataset, dataset_build

pytestmark = pytest.mark.django_db

MARCH = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))
QUERY = "inicio=2026-03-01&fim=2026-03-31"
MINUTES = 60


@pytest.fixture
def data(make_tenant: MakeTenant) -> Dataset:
    built = dataset_build(make_tenant())
    tenant_export(tenant=built.tenant, max_batches=100, wait=True)
    return built


def run(
    data: Dataset,
    slug: str,
    *,
    dimensions: list[str] | None = None,
    period: Period = MARCH,
    granularity: str = Granularity.DAY,
    filters: dict[str, str] | None = None,
    viewer: User | None = None,
) -> ReportResult:
    report_class = report_get(slug)
    assert report_class is not None
    with schema_context(data.tenant.schema_name):
        scope = report_scope(viewer, report_class.scope_kind) if viewer else None
        report: Report = report_class(
            tenant_id=data.tenant.pk,
            period=period,
            granularity=granularity,
            dimensions=dimensions,
            filters=filters,
            scope=scope if report_class.scope_column else None,
            viewer=viewer,
        )
        return report.run()


def person(data: Dataset, role: str, email: str, teams: tuple[str, ...] = ()) -> User:
    from accounts.services import _set_role

    with schema_context(data.tenant.schema_name):
        user = User.objects.create_user(email=email, password=None, full_name=email)
        _set_role(user, Role(role))
        for team in teams:
            TeamMembership.objects.create(team=data.teams[team], user=user)
    return user


@pytest.mark.req("6.5.48.4")
def test_channel_and_team_totals_with_tma_and_tme(data: Dataset) -> None:
    result = run(data, "canais-equipes", dimensions=["canal", "equipe"])

    # WhatsApp/Saúde: C1 and C3; WebChat/Tributos: C2 (docs/analytics.md, worked example)
    assert result.rows == [
        ("WhatsApp da Prefeitura", "Saúde", 10, 2, 17 * MINUTES, 4 * MINUTES),
        ("Chat do portal", "Tributos", 4, 1, 15 * MINUTES, 10 * MINUTES),
    ]
    # Overall TMA = (8+20+15+14+26)/5 min = 16.6 min; TME = (2+10+6+4)/4 = 5.5 min
    assert result.totals == {
        "mensagens": 14,
        "atendimentos": 3,
        "tma": 996,
        "tme": 330,
    }


@pytest.mark.req("6.5.48.2")
def test_channel_and_team_filters(data: Dataset) -> None:
    webchat = str(data.channels["webchat"].pk)
    health = str(data.teams["Saúde"].pk)

    assert run(data, "canais-equipes", dimensions=[], filters={"canal": webchat}).totals == {
        "mensagens": 4,
        "atendimentos": 1,
        "tma": 15 * MINUTES,
        "tme": 10 * MINUTES,
    }
    assert run(data, "totais", dimensions=[], filters={"equipe": health}).totals == {
        "mensagens": 10,
        "recebidas": 3,
        "enviadas": 7,
        "atendimentos": 2,
        "encerrados": 2,
    }


@pytest.mark.req("6.5.48.3")
def test_global_totals_cut_days_in_sao_paulo(data: Dataset) -> None:
    # C2 happened on 10/03 between 23:30 and 23:58 in São Paulo: 11/03 in UTC
    result = run(data, "totais")
    assert result.rows == [
        (date(2026, 3, 10), 10, 4, 6, 2, 2),
        (date(2026, 3, 11), 4, 1, 3, 1, 1),
    ]
    assert result.totals == {
        "mensagens": 14,
        "recebidas": 5,
        "enviadas": 9,
        "atendimentos": 3,
        "encerrados": 3,
    }
    # A period of 11/03 alone holds C3 only, not C2's late-evening messages
    only_11 = Period(start=date(2026, 3, 11), end=date(2026, 3, 11))
    assert run(data, "totais", period=only_11).totals["mensagens"] == 4
    # By month
    assert run(data, "totais", granularity=Granularity.MONTH).rows == [
        (date(2026, 3, 1), 14, 5, 9, 3, 3)
    ]


@pytest.mark.req("6.5.48.5")
def test_per_agent(data: Dataset) -> None:
    result = run(data, "atendentes", dimensions=["agente"])
    assert result.rows == [
        ("Ana Souza", 2, 2, 11 * MINUTES),
        ("Bruno Souza", 3, 2, 23 * MINUTES),
        ("Carla Souza", 2, 1, 15 * MINUTES),
    ]


@pytest.mark.req("6.5.48.6")
def test_pauses_per_agent(data: Dataset) -> None:
    result = run(data, "pausas", dimensions=["agente", "motivo"])
    assert result.rows == [
        ("Ana Souza", "Almoço", 1, 60 * MINUTES, 60 * MINUTES),
        ("Ana Souza", "Café", 1, 10 * MINUTES, 10 * MINUTES),
        ("Bruno Souza", "Almoço", 1, 30 * MINUTES, 30 * MINUTES),
    ]
    assert result.totals == {"pausas": 3, "tempo_total": 100 * MINUTES, "tempo_medio": 2000}


@pytest.mark.req("6.5.48.7")
def test_dispositions(data: Dataset) -> None:
    result = run(data, "tabulacoes", dimensions=["tabulacao"])
    assert result.rows == [("", 1, 1), ("Informação", 1, 0), ("Resolvido", 1, 0)]


@pytest.mark.req("6.5.48.8")
def test_by_protocol_masks_contacts_for_who_may_not_see_them(data: Dataset) -> None:
    admin = person(data, Role.ADMIN, "admin2@pm.gov.br")
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Saúde", "Tributos"))
    c1, c2, c3 = (data.conversations[key].protocol for key in ("C1", "C2", "C3"))

    seen = run(data, "protocolos", viewer=admin)
    assert sorted(seen.rows) == sorted(
        [
            (
                c1,
                "Cidadão C1 (+5511987650001)",
                "WhatsApp da Prefeitura",
                "10/03/2026 09:00",
                6,
                2 * MINUTES,
                28 * MINUTES,
                "Resolvido",
                Decimal(5),
            ),
            (
                c2,
                "Cidadão C2 (+5511987650002)",
                "Chat do portal",
                "10/03/2026 23:30",
                4,
                10 * MINUTES,
                15 * MINUTES,
                "Informação",
                Decimal(3),
            ),
            (
                c3,
                "Cidadão C3 (+5511987650003)",
                "WhatsApp da Prefeitura",
                "11/03/2026 10:00",
                4,
                10 * MINUTES,
                40 * MINUTES,
                "",
                None,
            ),
        ]
    )
    masked = run(data, "protocolos", viewer=supervisor, dimensions=["protocolo", "contato"])
    assert sorted(masked.rows)[0][:2] == (c1, "(**) *****-****")
    assert all("Cidadão" not in row[1] and "98765" not in row[1] for row in masked.rows)


@pytest.mark.req("6.5.48.11")
def test_conversations_between_agents_per_pair(data: Dataset) -> None:
    # Threads and messages of the internal chat, per pair, whoever wrote (dataset.py)
    result = run(data, "entre-agentes", dimensions=["atendente", "com"])
    assert result.rows == [
        ("Ana Souza", "Bruno Souza", 2, 4),
        ("Ana Souza", "Carla Souza", 1, 2),
        ("Bruno Souza", "Carla Souza", 1, 1),
    ]
    assert result.totals == {"conversas": 4, "mensagens": 7}


@pytest.mark.req("6.5.48.11")
def test_conversations_between_agents_per_day_in_sao_paulo(data: Dataset) -> None:
    # T3 runs from 23:50 on 10/03 to 00:10 on 11/03 (São Paulo): it counts on both days,
    # and once in the totals
    result = run(data, "entre-agentes")
    assert result.rows == [
        (date(2026, 3, 10), "Ana Souza", "Bruno Souza", 2, 4),
        (date(2026, 3, 10), "Ana Souza", "Carla Souza", 1, 1),
        (date(2026, 3, 11), "Ana Souza", "Carla Souza", 1, 1),
        (date(2026, 3, 11), "Bruno Souza", "Carla Souza", 1, 1),
    ]
    assert result.totals == {"conversas": 4, "mensagens": 7}
    only_11 = run(data, "entre-agentes", period=Period(date(2026, 3, 11), date(2026, 3, 11)))
    assert only_11.totals == {"conversas": 2, "mensagens": 2}
    by_month = run(data, "entre-agentes", dimensions=["periodo"], granularity=Granularity.MONTH)
    assert by_month.rows == [(date(2026, 3, 1), 4, 7)]


@pytest.mark.req("6.5.48.11")
def test_conversations_between_agents_filters(data: Dataset) -> None:
    bruno = data.agents["Bruno"].pk
    taxes = data.teams["Tributos"].pk
    # One person: every pair they are in (their own view, per counterpart)
    result = run(
        data, "entre-agentes", dimensions=["atendente", "com"], filters={"atendente": str(bruno)}
    )
    assert result.rows == [("Ana Souza", "Bruno Souza", 2, 4), ("Bruno Souza", "Carla Souza", 1, 1)]
    assert result.totals == {"conversas": 3, "mensagens": 5}
    # One team: the pairs with one of its members (Carla)
    result = run(
        data, "entre-agentes", dimensions=["atendente", "com"], filters={"equipe": str(taxes)}
    )
    assert result.rows == [("Ana Souza", "Carla Souza", 1, 2), ("Bruno Souza", "Carla Souza", 1, 1)]
    # A team with nobody in it: nothing
    with schema_context(data.tenant.schema_name):
        empty = Team.objects.create(name="Vazia")
    assert run(data, "entre-agentes", filters={"equipe": str(empty.pk)}).totals == {
        "conversas": 0,
        "mensagens": 0,
    }


@pytest.mark.req("6.5.48.11")
def test_conversations_between_agents_by_role(data: Dataset) -> None:
    # A supervisor of Tributos sees the pairs with Carla; of Saúde, every pair (Ana or Bruno
    # is in each); an auditor every pair; a supervisor of no team nothing
    taxes = person(data, Role.SUPERVISOR, "sup-t@pm.gov.br", teams=("Tributos",))
    health = person(data, Role.SUPERVISOR, "sup-s@pm.gov.br", teams=("Saúde",))
    auditor = person(data, Role.AUDITOR, "aud@pm.gov.br")
    lonely = person(data, Role.SUPERVISOR, "sozinho@pm.gov.br")
    dims = ["atendente", "com"]
    assert run(data, "entre-agentes", dimensions=dims, viewer=taxes).rows == [
        ("Ana Souza", "Carla Souza", 1, 2),
        ("Bruno Souza", "Carla Souza", 1, 1),
    ]
    assert run(data, "entre-agentes", dimensions=dims, viewer=taxes).totals == {
        "conversas": 2,
        "mensagens": 3,
    }
    assert run(data, "entre-agentes", dimensions=dims, viewer=health).totals["mensagens"] == 7
    assert len(run(data, "entre-agentes", dimensions=dims, viewer=auditor).rows) == 3
    assert run(data, "entre-agentes", viewer=lonely).rows == []
    # Filtering by an agent of another team (Ana) still shows only the pairs with Carla
    result = run(
        data,
        "entre-agentes",
        dimensions=dims,
        viewer=taxes,
        filters={"atendente": str(data.agents["Ana"].pk)},
    )
    assert result.rows == [("Ana Souza", "Carla Souza", 1, 2)]


@pytest.mark.req("6.5.48.11")
def test_transfers_and_invitations_between_agents(data: Dataset) -> None:
    result = run(data, "entre-agentes-transferencias", dimensions=["de", "para", "tipo"])
    assert result.rows == [("Ana Souza", "Bruno Souza", "Transferência", 1, 1)]


@pytest.mark.req("6.5.48.11")
def test_conversations_between_agents_screen_and_files(
    data: Dataset, client_for: Callable[..., Client], tmp_path: Path
) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Tributos",))
    client = client_for(data.tenant, supervisor)
    base = f"/relatorios/entre-agentes/?{QUERY}&dimensoes=atendente&dimensoes=com"

    page = client.get(base)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Carla Souza" in html
    assert CHAT_TEXT not in html
    # The person filter offers the agents of the supervisor's teams only
    assert 'name="atendente"' in html
    options = html.split('name="atendente"', 1)[1].split("</select>", 1)[0]
    assert "Carla Souza" in options and "Ana Souza" not in options

    response = client.get(f"{base}&formato=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Atendente", "Com", "Conversas", "Mensagens"],
        ["Ana Souza", "Carla Souza", "1", "2"],
        ["Bruno Souza", "Carla Souza", "1", "1"],
        ["Total", "", "2", "3"],
    ]

    response = client.get(f"{base}&formato=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1:] == [
        ["Ana Souza", "Carla Souza", 1, 2],
        ["Bruno Souza", "Carla Souza", 1, 1],
        ["Total", None, 2, 3],
    ]

    carla = data.agents["Carla"].pk
    response = client.get(f"{base}&formato=pdf&atendente={carla}")
    assert response["Content-Type"] == "application/pdf"
    text = pdf_text(response.content, tmp_path)
    assert "Conversas entre atendentes" in text
    assert "Atendente: Carla Souza" in text
    line = next(line for line in text.splitlines() if "Bruno Souza" in line)
    assert line.split()[-2:] == ["1", "1"]


@pytest.mark.req("6.5.48.12")
def test_satisfaction(data: Dataset) -> None:
    result = run(data, "satisfacao", dimensions=["agente", "equipe"])
    assert result.rows == [
        ("Bruno Souza", "Saúde", 1, Decimal("5.00"), 1),
        ("Carla Souza", "Tributos", 1, Decimal("3.00"), 0),
    ]
    assert result.totals == {"respostas": 2, "nota_media": Decimal("4.00"), "satisfeitos": 1}


@pytest.mark.req("6.5.48")
def test_supervisor_reads_only_their_teams_and_auditor_reads_all(data: Dataset) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Tributos",))
    auditor = person(data, Role.AUDITOR, "aud@pm.gov.br")

    assert run(data, "canais-equipes", dimensions=["equipe"], viewer=supervisor).rows == [
        ("Tributos", 4, 1, 15 * MINUTES, 10 * MINUTES)
    ]
    assert run(data, "atendentes", dimensions=["agente"], viewer=supervisor).rows == [
        ("Carla Souza", 2, 1, 15 * MINUTES)
    ]
    assert run(data, "pausas", dimensions=["agente"], viewer=supervisor).rows == []
    assert [
        row[0] for row in run(data, "atendentes", dimensions=["agente"], viewer=auditor).rows
    ] == [
        "Ana Souza",
        "Bruno Souza",
        "Carla Souza",
    ]
    # A supervisor of no team reads nothing
    lonely = person(data, Role.SUPERVISOR, "sozinho@pm.gov.br")
    assert run(data, "totais", dimensions=[], viewer=lonely).totals["mensagens"] == 0


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "relatorio.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"],
        capture_output=True,
        check=True,
        timeout=60,
    )
    return result.stdout.decode()


@pytest.mark.req("6.5.48.13")
def test_screen_and_csv_xlsx_pdf_files(
    data: Dataset,
    client_for: Callable[..., Client],
    tmp_path: Path,
) -> None:
    tenant = data.tenant
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Saúde", "Tributos"))
    client = client_for(tenant, supervisor)
    base = f"/relatorios/canais-equipes/?{QUERY}&dimensoes=canal&dimensoes=equipe"

    # The screen
    page = client.get(base)
    assert page.status_code == 200
    html = page.content.decode()
    assert "0:17:00" in html
    assert "0:04:00" in html
    assert 'formato=pdf"' in html or "formato=pdf" in html

    # CSV
    response = client.get(f"{base}&formato=csv")
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        [
            "Canal",
            "Equipe",
            "Mensagens",
            "Atendimentos",
            "TMA (tempo médio de atendimento)",
            "TME (tempo médio de espera)",
        ],
        ["WhatsApp da Prefeitura", "Saúde", "10", "2", "0:17:00", "0:04:00"],
        ["Chat do portal", "Tributos", "4", "1", "0:15:00", "0:10:00"],
        ["Total", "", "14", "3", "0:16:36", "0:05:30"],
    ]

    # XLSX: durations are time values
    response = client.get(f"{base}&formato=xlsx")
    sheet = load_workbook(io.BytesIO(response.content)).active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values[1] == [
        "WhatsApp da Prefeitura",
        "Saúde",
        10,
        2,
        timedelta(minutes=17),
        timedelta(minutes=4),
    ]
    assert values[3][:4] == ["Total", None, 14, 3]
    assert sheet.cell(row=2, column=5).number_format == "[h]:mm:ss"

    # PDF
    response = client.get(f"{base}&formato=pdf&canal={data.channels['whatsapp'].pk}")
    assert response["Content-Type"] == "application/pdf"
    assert response.content.startswith(b"%PDF")
    text = pdf_text(response.content, tmp_path)
    assert "Por canal e equipe" in text
    assert "De 01/03/2026 a 31/03/2026" in text
    assert "Canal: WhatsApp da Prefeitura" in text
    line = next(line for line in text.splitlines() if "Saúde" in line)
    assert line.split()[-4:] == ["10", "2", "0:17:00", "0:04:00"]
    assert "Tributos" not in text

    # Each download is in the audit log, with its format
    with schema_context(tenant.schema_name):
        recorded = list(
            AuditEntry.objects.filter(action="report.export")
            .order_by("pk")
            .values_list("object_id", "after__formato", "after__linhas")
        )
    assert recorded == [
        ("canais-equipes", "csv", 2),
        ("canais-equipes", "xlsx", 2),
        ("canais-equipes", "pdf", 1),
    ]


@pytest.mark.req("6.5.48")
def test_an_agent_cannot_open_reports(data: Dataset, client_for: Callable[..., Client]) -> None:
    agent = data.agents["Ana"]
    for slug in ("totais", "canais-equipes", "atendentes", "protocolos", "satisfacao"):
        assert client_for(data.tenant, agent).get(f"/relatorios/{slug}/?{QUERY}").status_code == 403


@pytest.mark.req("6.5.48.13")
def test_every_report_renders_and_downloads_for_an_auditor(
    data: Dataset,
    client_for: Callable[..., Client],
    token_for: Callable[..., str],
    tmp_path: Path,
) -> None:
    from analytics.reports import REPORTS
    from tests.conftest import host_of

    auditor = person(data, Role.AUDITOR, "aud@pm.gov.br")
    client = client_for(data.tenant, auditor)
    token = token_for(data.tenant, auditor)
    api = Client(HTTP_HOST=host_of(data.tenant))
    for slug in REPORTS:
        page = client.get(f"/relatorios/{slug}/?{QUERY}")
        assert page.status_code == 200, slug
        assert "Nenhum registro no período." not in page.content.decode(), slug
        pdf = api.get(
            f"/api/relatorios/{slug}/arquivo?{QUERY}&formato=pdf",
            HTTP_AUTHORIZATION=f"Bearer {token}",
        )
        assert pdf.status_code == 200, slug
        assert "De 01/03/2026 a 31/03/2026" in pdf_text(pdf.content, tmp_path), slug

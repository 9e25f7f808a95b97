"""The report 6.5.48.9 through the tenant screen and the API: who may run it, downloads, and no
way to read another tenant's rows."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context
from openpyxl import load_workbook

from accounts.roles import Role
from analytics.export import tenant_export
from analytics.reports import REPORTS
from security.models import AuditEntry
from tenants.models import Tenant
from tests.analytics.conftest import AuditAt, MakeTenant
from tests.conftest import host_of

pytestmark = pytest.mark.django_db

PERIOD = "inicio=2026-03-01&fim=2026-03-31"
API = "/api/relatorios/alteracoes"


def changes(tenant: Tenant, audit_at: AuditAt, actor: str, count: int) -> None:
    for index in range(count):
        audit_at(
            tenant,
            datetime(2026, 3, 10, 15, index, tzinfo=UTC),
            actor=actor,
            action="team.update",
            object_type="desk.team",
            object_id=str(index),
        )
    tenant_export(tenant=tenant, wait=True)


@pytest.fixture
def two_tenants(make_tenant: MakeTenant, audit_at: AuditAt) -> tuple[Tenant, Tenant]:
    first, second = make_tenant("Prefeitura Um"), make_tenant("Prefeitura Dois")
    changes(first, audit_at, "ana@um.gov.br", 2)
    changes(second, audit_at, "beto@dois.gov.br", 5)
    return first, second


def api_get(tenant: Tenant, token: str, path: str) -> Any:
    return Client(HTTP_HOST=host_of(tenant)).get(path, HTTP_AUTHORIZATION=f"Bearer {token}")


@pytest.mark.req("6.5.48.9")
def test_api_reads_only_the_tenant_of_the_host(
    two_tenants: tuple[Tenant, Tenant],
    make_user: Callable[..., Any],
    token_for: Callable[..., str],
) -> None:
    first, second = two_tenants
    token = token_for(first, make_user(first, Role.AUDITOR))

    # A tenant's own figures
    response = api_get(first, token, f"{API}?{PERIOD}&dimensoes=usuario")
    assert response.status_code == 200
    body = response.json()
    assert body["rows"] == [{"usuario": "ana@um.gov.br", "alteracoes": 2, "objetos": 2}]
    assert body["totals"] == {"alteracoes": 2, "objetos": 2}
    assert (body["requirement"], body["start"], body["end"]) == (
        "6.5.48.9",
        "2026-03-01",
        "2026-03-31",
    )

    # Naming the other tenant changes nothing: the tenant is the host's
    response = api_get(
        first,
        token,
        f"{API}?{PERIOD}&dimensoes=usuario&tenant_id={second.pk}&usuario=beto@dois.gov.br",
    )
    assert response.status_code == 200
    assert response.json()["totals"] == {"alteracoes": 0, "objetos": 0}

    # The token is unknown on the other tenant's host
    assert api_get(second, token, f"{API}?{PERIOD}").status_code == 401


@pytest.mark.parametrize(
    ("role", "status"),
    [
        (None, 401),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 200),
        (Role.AUDITOR, 200),
        (Role.ADMIN, 200),
    ],
)
def test_api_authorization_matrix(
    tenant: Tenant,
    make_user: Callable[..., Any],
    token_for: Callable[..., str],
    role: str | None,
    status: int,
) -> None:
    headers: dict[str, Any] = {}
    user = make_user(tenant, role) if role is not None else None
    if user is not None:
        headers["HTTP_AUTHORIZATION"] = f"Bearer {token_for(tenant, user)}"

    response = Client(HTTP_HOST=host_of(tenant)).get(f"{API}?{PERIOD}", **headers)

    assert response.status_code == status
    listed = Client(HTTP_HOST=host_of(tenant)).get("/api/relatorios", **headers)
    if status == 200:
        with schema_context(tenant.schema_name):
            allowed = [slug for slug, report in REPORTS.items() if report.allowed(user)]
        assert "alteracoes" in allowed
        assert [item["slug"] for item in listed.json()] == allowed
    elif status == 403:
        assert listed.json() == []


def test_api_refuses_a_bad_period_and_an_unknown_report(
    tenant: Tenant, make_user: Callable[..., Any], token_for: Callable[..., str]
) -> None:
    token = token_for(tenant, make_user(tenant, Role.AUDITOR))

    backwards = api_get(tenant, token, f"{API}?inicio=2026-03-31&fim=2026-03-01")
    assert backwards.status_code == 422
    assert backwards.json()["detail"] == "A data inicial deve ser anterior à final."
    assert api_get(tenant, token, "/api/relatorios/nada").status_code == 404
    bad_format = api_get(tenant, token, f"{API}/arquivo?{PERIOD}&formato=ods")
    assert bad_format.status_code == 422


def test_api_answers_503_when_clickhouse_is_down(
    tenant: Tenant,
    make_user: Callable[..., Any],
    token_for: Callable[..., str],
    settings: Any,
) -> None:
    from analytics.client import client_reset

    token = token_for(tenant, make_user(tenant, Role.AUDITOR))
    settings.CLICKHOUSE_URL = "http://127.0.0.1:9/default"  # nothing listens on the discard port
    client_reset()
    try:
        response = api_get(tenant, token, f"{API}?{PERIOD}")
    finally:
        client_reset()
    assert response.status_code == 503
    assert response.json()["detail"].startswith("O serviço de relatórios está indisponível")


@pytest.mark.req("6.5.48.13")
def test_api_download_csv_and_xlsx_is_recorded(
    two_tenants: tuple[Tenant, Tenant],
    make_user: Callable[..., Any],
    token_for: Callable[..., str],
) -> None:
    first, _second = two_tenants
    token = token_for(first, make_user(first, Role.SUPERVISOR))

    response = api_get(first, token, f"{API}/arquivo?{PERIOD}&dimensoes=usuario&formato=csv")

    assert response.status_code == 200
    assert response["Content-Type"] == "text/csv; charset=utf-8"
    assert (
        response["Content-Disposition"] == 'attachment; filename="alteracoes-20260301-20260331.csv"'
    )
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Usuário", "Alterações", "Objetos alterados"],
        ["ana@um.gov.br", "2", "2"],
        ["Total", "2", "2"],
    ]

    xlsx = api_get(first, token, f"{API}/arquivo?{PERIOD}&dimensoes=usuario&formato=xlsx")
    assert xlsx.status_code == 200
    sheet = load_workbook(io.BytesIO(xlsx.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Usuário", "Alterações", "Objetos alterados"],
        ["ana@um.gov.br", 2, 2],
        ["Total", 2, 2],
    ]
    with schema_context(first.schema_name):
        recorded = list(
            AuditEntry.objects.filter(action="report.export").values_list(
                "via", "object_id", "after__formato", "after__linhas"
            )
        )
    assert recorded == [("api", "alteracoes", "csv", 1), ("api", "alteracoes", "xlsx", 1)]


@pytest.mark.req("6.5.48.9")
def test_screen_shows_the_report_to_an_auditor_and_not_to_an_agent(
    two_tenants: tuple[Tenant, Tenant],
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    first, _second = two_tenants
    auditor = client_for(first, make_user(first, Role.AUDITOR))

    page = auditor.get(f"/relatorios/alteracoes/?{PERIOD}&agrupamento=mes")

    assert page.status_code == 200
    html = page.content.decode()
    assert "Alterações no sistema" in html
    assert (
        "<td>03/2026</td><td>ana@um.gov.br</td><td>team.update</td><td>desk.team</td>"
        "<td>2</td><td>2</td>" in html
    )
    assert "beto@dois.gov.br" not in html
    index = auditor.get("/relatorios/")
    assert index.status_code == 200
    assert "/relatorios/alteracoes/" in index.content.decode()

    agent = client_for(first, make_user(first, Role.AGENT))
    assert agent.get(f"/relatorios/alteracoes/?{PERIOD}").status_code == 403
    assert agent.get("/relatorios/").status_code == 403
    assert client_for(first).get("/relatorios/alteracoes/").status_code == 302


@pytest.mark.req("6.5.48.13")
def test_screen_downloads_xlsx(
    two_tenants: tuple[Tenant, Tenant],
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    first, _second = two_tenants
    supervisor = client_for(first, make_user(first, Role.SUPERVISOR))

    response = supervisor.get(
        f"/relatorios/alteracoes/?{PERIOD}&dimensoes=tipo_objeto&formato=xlsx"
    )

    assert response.status_code == 200
    assert response["Content-Disposition"] == (
        'attachment; filename="alteracoes-20260301-20260331.xlsx"'
    )
    sheet = load_workbook(io.BytesIO(response.content)).active
    assert [[cell.value for cell in row] for row in sheet.iter_rows()] == [
        ["Tipo de objeto", "Alterações", "Objetos alterados"],
        ["desk.team", 2, 2],
        ["Total", 2, 2],
    ]

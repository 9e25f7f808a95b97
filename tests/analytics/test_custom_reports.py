"""6.5.48.1 - custom reports: pick columns, figures, filters and period; save under a name and
share with teams; open, download and delete; who may see which saved report."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from datetime import date
from urllib.parse import parse_qs, urlparse

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from analytics.export import tenant_export
from analytics.forms import preset_period
from analytics.models import SavedReport
from analytics.reports.base import Period
from analytics.reports.custom import CustomReport
from routing.models import TeamMembership
from security.models import AuditEntry
from security.route_audit import audits_route
from tests.analytics.conftest import MakeTenant
from tests.analytics.dataset import Dataset, dataset_build

pytestmark = pytest.mark.django_db

QUERY = "inicio=2026-03-01&fim=2026-03-31"
BUILDER = "/relatorios/personalizado/"


@pytest.fixture
def data(make_tenant: MakeTenant) -> Dataset:
    built = dataset_build(make_tenant())
    tenant_export(tenant=built.tenant, max_batches=100, wait=True)
    return built


def person(data: Dataset, role: str, email: str, teams: tuple[str, ...] = ()) -> User:
    from accounts.services import _set_role

    with schema_context(data.tenant.schema_name):
        user = User.objects.create_user(email=email, password=None, full_name=email)
        _set_role(user, Role(role))
        for team in teams:
            TeamMembership.objects.create(team=data.teams[team], user=user)
    return user


@pytest.mark.req("6.5.48.1")
def test_builder_reports_only_the_chosen_columns_and_figures(data: Dataset) -> None:
    report_class = CustomReport.with_measures(["tma", "mensagens", "desconhecida"])
    with schema_context(data.tenant.schema_name):
        result = report_class(
            tenant_id=data.tenant.pk,
            period=Period(date(2026, 3, 1), date(2026, 3, 31)),
            dimensions=["equipe"],
        ).run()
    assert [column.key for column in result.columns] == ["equipe", "mensagens", "tma"]
    assert result.rows == [("Saúde", 10, 17 * 60), ("Tributos", 4, 15 * 60)]
    assert result.totals == {"mensagens": 14, "tma": 996}


@pytest.mark.req("6.5.48.1")
def test_builder_screen_and_download(data: Dataset, client_for: Callable[..., Client]) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Saúde",))
    client = client_for(data.tenant, supervisor)
    url = f"{BUILDER}?{QUERY}&dimensoes=direcao&medidas=mensagens&medidas=atendimentos"

    page = client.get(url)
    assert page.status_code == 200
    html = page.content.decode()
    assert "Salvar este relatório" in html
    assert 'value="dimensoes=direcao&amp;medidas=mensagens&amp;medidas=atendimentos"' in html

    response = client.get(f"{url}&formato=csv")
    rows = list(csv.reader(io.StringIO(response.content.decode("utf-8-sig")), delimiter=";"))
    # A supervisor of Saúde: C1 and C3 only (3 received, 7 sent; 2 conversations)
    assert rows == [
        ["Direção", "Mensagens", "Atendimentos"],
        ["", "0", "2"],
        ["Recebida", "3", "0"],
        ["Enviada", "7", "0"],
        ["Total", "10", "2"],
    ]


@pytest.mark.req("6.5.48.1")
@audits_route("tenant:analytics:saved_report_create")
def test_save_share_and_open(
    data: Dataset, client_for: Callable[..., Client], make_tenant: MakeTenant
) -> None:
    tenant = data.tenant
    other = make_tenant("Prefeitura Vizinha")
    owner = person(data, Role.SUPERVISOR, "dona@pm.gov.br", teams=("Saúde",))
    colleague = person(data, Role.SUPERVISOR, "colega@pm.gov.br", teams=("Saúde",))
    outsider = person(data, Role.SUPERVISOR, "outra@pm.gov.br", teams=("Tributos",))
    health, taxes = data.teams["Saúde"].pk, data.teams["Tributos"].pk
    parameters = "dimensoes=equipe&medidas=mensagens&medidas=tma&canal=&agrupamento=mes"

    # A team the owner does not belong to cannot be chosen
    refused = client_for(tenant, owner).post(
        "/relatorios/salvos/novo/",
        {"nome": "Saúde", "periodo": "mes_anterior", "equipes": [taxes], "parametros": parameters},
    )
    assert refused.status_code == 422
    assert not SavedReport.objects.filter(tenant=tenant).exists()

    # When the owner saves the builder's choices, shared with Saúde
    response = client_for(tenant, owner).post(
        "/relatorios/salvos/novo/",
        {
            "nome": "Mensagens da Saúde",
            "periodo": "mes_anterior",
            "equipes": [health],
            "parametros": parameters,
        },
    )
    assert response.status_code == 302
    saved = SavedReport.objects.get(tenant=tenant)
    assert (saved.name, saved.period, saved.owner_id, saved.shared_team_ids) == (
        "Mensagens da Saúde",
        "mes_anterior",
        owner.pk,
        [health],
    )
    assert saved.parameters == {
        "dimensoes": ["equipe"],
        "medidas": ["mensagens", "tma"],
        "agrupamento": "mes",
    }
    with schema_context(tenant.schema_name):
        entry = AuditEntry.objects.get(action="analytics.saved_report.create")
    assert (entry.actor_id, entry.object_id) == (owner.pk, str(saved.pk))

    # Then a colleague of Saúde sees it and opens it with last month's dates
    listing = client_for(tenant, colleague).get("/relatorios/salvos/")
    assert "Mensagens da Saúde" in listing.content.decode()
    opened = client_for(tenant, colleague).get(f"/relatorios/salvos/{saved.pk}/")
    assert opened.status_code == 302
    target = urlparse(opened["Location"])
    start, end = preset_period("mes_anterior")
    assert target.path == BUILDER
    assert parse_qs(target.query) == {
        "dimensoes": ["equipe"],
        "medidas": ["mensagens", "tma"],
        "agrupamento": ["mes"],
        "inicio": [start.isoformat()],
        "fim": [end.isoformat()],
    }

    # And a supervisor of another team, or another tenant's user, does not
    assert (
        "Mensagens da Saúde"
        not in client_for(tenant, outsider).get("/relatorios/salvos/").content.decode()
    )
    assert client_for(tenant, outsider).get(f"/relatorios/salvos/{saved.pk}/").status_code == 404
    with schema_context(other.schema_name):
        from accounts.services import _set_role

        stranger = User.objects.create_user(email="adm@vizinha.gov.br", password=None)
        _set_role(stranger, Role.ADMIN)
    assert client_for(other, stranger).get(f"/relatorios/salvos/{saved.pk}/").status_code == 404


@pytest.mark.req("6.5.48.1")
@audits_route("tenant:analytics:saved_report_delete")
def test_only_the_owner_or_an_admin_deletes(
    data: Dataset, client_for: Callable[..., Client]
) -> None:
    tenant = data.tenant
    owner = person(data, Role.SUPERVISOR, "dona@pm.gov.br", teams=("Saúde",))
    colleague = person(data, Role.SUPERVISOR, "colega@pm.gov.br", teams=("Saúde",))
    saved = SavedReport.objects.create(
        tenant=tenant,
        owner_id=owner.pk,
        owner_label=owner.email,
        name="Compartilhado",
        parameters={"dimensoes": ["equipe"]},
        shared_team_ids=[data.teams["Saúde"].pk],
    )

    assert (
        client_for(tenant, colleague).post(f"/relatorios/salvos/{saved.pk}/excluir/").status_code
        == 403
    )
    response = client_for(tenant, owner).post(f"/relatorios/salvos/{saved.pk}/excluir/")
    assert response.status_code == 302
    assert not SavedReport.objects.filter(pk=saved.pk).exists()
    with schema_context(tenant.schema_name):
        entry = AuditEntry.objects.get(action="analytics.saved_report.delete")
    assert entry.before is not None
    assert (entry.actor_id, entry.object_id, entry.before["nome"]) == (
        owner.pk,
        str(saved.pk),
        "Compartilhado",
    )


@pytest.mark.req("6.5.48.1")
def test_agents_cannot_use_the_builder(data: Dataset, client_for: Callable[..., Client]) -> None:
    client = client_for(data.tenant, data.agents["Ana"])
    assert client.get(f"{BUILDER}?{QUERY}").status_code == 403
    assert client.get("/relatorios/salvos/").status_code == 403
    assert client.post("/relatorios/salvos/novo/", {"nome": "x"}).status_code == 403

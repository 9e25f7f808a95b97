"""6.5.43 - the supervisor dashboard: widgets with figures from ClickHouse (per hour, per day,
the month's consumption) and from routing's state now, limited to the reader's teams; each user
chooses, orders and sizes their widgets."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from analytics import dashboard
from analytics.export import tenant_export
from analytics.models import DashboardLayout
from analytics.reports.base import Period
from analytics.widgets import DEFAULT_LAYOUT
from routing.models import AgentState, AgentStatus, TeamMembership
from security.models import AuditEntry
from security.route_audit import audits_route
from tests.analytics.conftest import MakeTenant
from tests.analytics.dataset import Dataset, dataset_build

pytestmark = pytest.mark.django_db


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


@pytest.mark.req("6.5.43")
def test_widget_queries_on_the_data_set(data: Dataset) -> None:
    tenant_id = data.tenant.pk
    week = Period(datetime(2026, 3, 9).date(), datetime(2026, 3, 15).date())
    health = frozenset({data.teams["Saúde"].pk})

    # Conversations per São Paulo hour of 10/03: C1 at 09h, C2 at 23h (02h UTC of the 11th)
    assert dashboard.widget_run(
        dashboard.conversations_per_hour(tenant_id=tenant_id, day=week.start.replace(day=10))
    ).rows == [(9, 1), (23, 1)]
    # Finished per day: C1 and C2 by agents on the 10th; C3 timed out (lost) on the 11th
    assert dashboard.widget_run(
        dashboard.outcomes_per_day(tenant_id=tenant_id, period=week)
    ).rows == [(datetime(2026, 3, 10).date(), 2, 2, 0), (datetime(2026, 3, 11).date(), 1, 0, 1)]
    # TMA/TME per day, Saúde only: 10th Ana 8 + Bruno 20 min, wait 2; 11th 14 + 26, waits 6, 4
    assert dashboard.widget_run(
        dashboard.times_per_day(tenant_id=tenant_id, period=week, scope=health)
    ).rows == [
        (datetime(2026, 3, 10).date(), 14 * 60, 2 * 60),
        (datetime(2026, 3, 11).date(), 20 * 60, 5 * 60),
    ]
    # The month's consumption is the ledger's count
    assert dashboard.widget_run(
        dashboard.month_consumption(tenant_id=tenant_id, month=week.start)
    ).rows == [(14,)]


@pytest.mark.req("6.5.43")
def test_dashboard_page_and_widgets_for_a_supervisor(
    data: Dataset, client_for: Callable[..., Client], monkeypatch: pytest.MonkeyPatch
) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Saúde",))
    with schema_context(data.tenant.schema_name):
        AgentState.objects.create(user=data.agents["Ana"], status=AgentStatus.AVAILABLE)
        AgentState.objects.create(user=data.agents["Bruno"], status=AgentStatus.PAUSED)
        AgentState.objects.create(user=data.agents["Carla"], status=AgentStatus.AVAILABLE)
    client = client_for(data.tenant, supervisor)

    page = client.get("/relatorios/painel/")
    assert page.status_code == 200
    html = page.content.decode()
    for item in DEFAULT_LAYOUT:
        assert f"/relatorios/painel/widget/{item['key']}/" in html
    assert 'hx-trigger="load, every 30s"' in html

    # Agents of Saúde only: Ana available, Bruno paused, the supervisor offline
    agents = client.get("/relatorios/painel/widget/agentes/").content.decode()
    assert "<dt>Disponíveis</dt><dd>1</dd>" in agents
    assert "<dt>Em pausa</dt><dd>1</dd>" in agents
    assert "<dt>Indisponíveis</dt><dd>1</dd>" in agents

    # "Today" is 10/03/2026 in São Paulo: C1 at 09h for Saúde (C2 is Tributos)
    monkeypatch.setattr(
        "analytics.widgets.local_today", lambda: datetime(2026, 3, 10, tzinfo=UTC).date()
    )
    hours = client.get("/relatorios/painel/widget/por_hora/").content.decode()
    assert '<th scope="row">09h</th><td>1</td>' in hours
    assert '<th scope="row">23h</th><td>0</td>' in hours

    times = client.get("/relatorios/painel/widget/tempos/").content.decode()
    assert '<th scope="row">10/03</th><td>0:14:00</td><td>0:02:00</td>' in times

    assert client.get("/relatorios/painel/widget/inexistente/").status_code == 404


@pytest.mark.req("6.5.43")
@audits_route("tenant:analytics:dashboard_customize")
def test_each_user_arranges_their_own_dashboard(
    data: Dataset, client_for: Callable[..., Client]
) -> None:
    supervisor = person(data, Role.SUPERVISOR, "sup@pm.gov.br", teams=("Saúde",))
    other = person(data, Role.SUPERVISOR, "outro@pm.gov.br", teams=("Saúde",))
    form: dict[str, Any] = {}
    for position, item in enumerate(DEFAULT_LAYOUT):
        form[f"ordem_{item['key']}"] = position + 1
        form[f"tamanho_{item['key']}"] = item["size"]
    # Only two widgets, times first and large
    form["mostrar_tempos"] = "on"
    form["ordem_tempos"] = 1
    form["tamanho_tempos"] = "grande"
    form["mostrar_agentes"] = "on"
    form["ordem_agentes"] = 2

    response = client_for(data.tenant, supervisor).post("/relatorios/painel/personalizar/", form)
    assert response.status_code == 302
    layout = DashboardLayout.objects.get(tenant=data.tenant, user_id=supervisor.pk)
    assert layout.widgets == [
        {"key": "tempos", "size": "grande"},
        {"key": "agentes", "size": "pequeno"},
    ]
    with schema_context(data.tenant.schema_name):
        entry = AuditEntry.objects.get(action="analytics.dashboard.update")
    assert entry.actor_id == supervisor.pk

    html = client_for(data.tenant, supervisor).get("/relatorios/painel/").content.decode()
    assert html.index("widget/tempos/") < html.index("widget/agentes/")
    assert "widget/por_hora/" not in html
    assert 'class="card widget-grande"' in html
    # Another user keeps the default dashboard
    assert (
        "widget/por_hora/"
        in client_for(data.tenant, other).get("/relatorios/painel/").content.decode()
    )

    # An invalid position is refused and nothing changes
    form["ordem_tempos"] = 0
    refused = client_for(data.tenant, supervisor).post("/relatorios/painel/personalizar/", form)
    assert refused.status_code == 422
    layout.refresh_from_db()
    assert layout.widgets[0] == {"key": "tempos", "size": "grande"}


@pytest.mark.req("6.5.43")
def test_agents_have_no_dashboard(data: Dataset, client_for: Callable[..., Client]) -> None:
    client = client_for(data.tenant, data.agents["Ana"])
    assert client.get("/relatorios/painel/").status_code == 403
    assert client.get("/relatorios/painel/widget/agentes/").status_code == 403
    assert client.post("/relatorios/painel/personalizar/", {}).status_code == 403

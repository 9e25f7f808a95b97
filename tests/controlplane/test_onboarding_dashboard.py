"""Onboarding checklist ticked from what exists (REQ 6.7.1.1-6.7.1.7) and the operators'
real-time dashboard (REQ 6.2.13)."""

from __future__ import annotations

from collections.abc import Callable, Iterator
from datetime import datetime
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from controlplane import metrics, onboarding
from controlplane.onboarding import StepResult, StepState, onboarding_checklist
from controlplane.selectors.dashboard import dashboard_all_tenants, storage_by_schema
from tenants.models import Tenant

pytestmark = pytest.mark.django_db


def states(tenant: Tenant) -> dict[str, str]:
    return {item.step.key: item.result.state.value for item in onboarding_checklist(tenant)}


@pytest.mark.req("6.7.1.1")
@pytest.mark.req("6.7.1.3")
@pytest.mark.req("6.7.1.5")
def test_checklist_ticks_what_exists_and_nothing_else(
    tenant_alfa: Tenant, make_user: Callable[..., Any]
) -> None:
    before = states(tenant_alfa)
    assert before["environment"] == "done"
    # The invited admin exists; no supervisor and no agent yet.
    assert before["admin_accounts"] == "pending"
    assert before["agents"] == "pending"

    make_user(tenant_alfa, Role.SUPERVISOR)
    make_user(tenant_alfa, Role.AGENT)
    after = states(tenant_alfa)

    assert after["admin_accounts"] == "done"
    assert after["agents"] == "done"


@pytest.mark.req("6.7.1.2")
@pytest.mark.req("6.7.1.4")
@pytest.mark.req("6.7.1.6")
@pytest.mark.req("6.7.1.7")
def test_steps_of_apps_not_built_yet_say_so(tenant_alfa: Tenant) -> None:
    items = {item.step.key: item.result for item in onboarding_checklist(tenant_alfa)}

    # Flows (chatbot) do not exist in the product: the step says so instead of a tick.
    assert "flows" not in onboarding._EVALUATORS
    assert items["flows"].state == StepState.NOT_AVAILABLE
    assert items["flows"].detail.startswith("Ainda não disponível na plataforma: não há fluxos")
    # Every other step is checked by the app that owns the thing.
    assert set(onboarding._EVALUATORS) == {step.key for step in onboarding.STEPS} - {"flows"}
    assert [key for key, result in items.items() if result.state == "not_available"] == ["flows"]


@pytest.fixture
def teams_check() -> Iterator[list[str]]:
    seen: list[str] = []

    def evaluate(tenant: Tenant) -> StepResult:
        from django.db import connection

        seen.append(getattr(connection, "schema_name", ""))
        return StepResult.done("2 grupos")

    previous = onboarding._EVALUATORS.get("teams")
    onboarding.register_onboarding_check("teams", evaluate)
    yield seen
    if previous is None:
        onboarding._EVALUATORS.pop("teams", None)
    else:
        onboarding._EVALUATORS["teams"] = previous


@pytest.mark.req("6.7.1.4")
def test_a_later_app_registers_its_check_and_it_runs_in_the_tenant_schema(
    tenant_alfa: Tenant, teams_check: list[str]
) -> None:
    assert states(tenant_alfa)["teams"] == "done"
    assert teams_check == ["alfa"]
    with pytest.raises(ValueError, match="unknown onboarding step"):
        onboarding.register_onboarding_check("coffee", lambda tenant: StepResult.done())


@pytest.mark.req("6.7.1.1")
def test_tenant_page_shows_the_checklist(operator_client: Client, tenant_alfa: Tenant) -> None:
    html = operator_client.get("/controle/clientes/alfa/").content.decode()

    assert 'id="step-environment" data-state="done"' in html
    assert 'id="step-flows" data-state="not_available"' in html
    assert "ainda não disponível" in html


@pytest.mark.req("6.2.13")
def test_dashboard_counts_connected_users_per_tenant(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    for _ in range(2):
        client_for(tenant_alfa, make_user(tenant_alfa, Role.AGENT))
    client_for(tenant_beta, make_user(tenant_beta, Role.AGENT))

    dashboard = dashboard_all_tenants()

    by_slug = {row.tenant.slug: row for row in dashboard.rows}
    assert by_slug["alfa"].users_connected == 2
    assert by_slug["beta"].users_connected == 1
    assert by_slug["alfa"].storage_bytes > 0
    assert dashboard.public_storage_bytes > 0
    for key, _label in metrics.DASHBOARD_METRICS:
        if metrics.metric_provider(key) is None:  # no fake zero before the app exists
            assert by_slug["alfa"].metrics[key] is None


def test_storage_is_summed_per_schema() -> None:
    sizes = storage_by_schema(["alfa", "beta", "public", "nao_existe"])

    assert set(sizes) == {"alfa", "beta", "public"}
    assert all(size > 0 for size in sizes.values())


@pytest.fixture
def messages_provider() -> Iterator[list[tuple[str, datetime]]]:
    calls: list[tuple[str, datetime]] = []

    def count(tenant: Tenant, since: datetime) -> int:
        calls.append((tenant.slug, since))
        return 7 if tenant.slug == "alfa" else 0

    previous = metrics.metric_provider("messages_today")
    metrics.register_metric_provider(
        metrics.MetricProvider("messages_today", "Mensagens hoje", count)
    )
    yield calls
    metrics.unregister_metric_provider("messages_today")
    if previous is not None:  # the desk's own provider comes back for the next tests
        metrics.register_metric_provider(previous)


@pytest.mark.req("6.2.13")
def test_metric_providers_fill_their_columns(
    operator_client: Client, messages_provider: list[tuple[str, datetime]]
) -> None:
    response = operator_client.get("/controle/painel/dados/")
    html = response.content.decode()

    assert 'data-metric="messages_today">7</td>' in html
    today = timezone.localtime().replace(hour=0, minute=0, second=0, microsecond=0)
    assert {since for _slug, since in messages_provider} == {today}


@pytest.mark.req("6.2.13")
def test_dashboard_page_polls_with_htmx(operator_client: Client) -> None:
    html = operator_client.get("/controle/painel/").content.decode()

    assert 'hx-get="/controle/painel/dados/"' in html
    assert 'hx-trigger="every 10s"' in html
    assert "htmx" in html

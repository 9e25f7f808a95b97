"""Figures that exist both in analytics and in billing (messages by kind, per agent, per
channel) are the same numbers: ClickHouse's equal the ledger's consumption page."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable
from datetime import date

import pytest
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from analytics.export import tenant_export
from analytics.reports.base import Granularity, Period
from analytics.reports.operations import AgentReport, ConsumptionReport
from billing.selectors import consumption_get
from billing.services.rollups import rollups_rebuild
from tests.analytics.conftest import MakeTenant
from tests.analytics.dataset import dataset_build

pytestmark = pytest.mark.django_db

MARCH = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))


@pytest.mark.req("6.6.3")
def test_consumption_figures_equal_the_ledgers(make_tenant: MakeTenant) -> None:
    # Given the data set's messages, metered into the ledger, and exported
    data = dataset_build(make_tenant())
    tenant = data.tenant
    dataset_build(make_tenant("Prefeitura Vizinha"))  # another tenant's ledger rows
    tenant_export(tenant=tenant, max_batches=100, wait=True)
    rollups_rebuild(tenant.pk)
    ledger = consumption_get(tenant_id=tenant.pk, period=date(2026, 3, 1))

    # When analytics reports the month
    with schema_context(tenant.schema_name):
        usage = ConsumptionReport(
            tenant_id=tenant.pk,
            period=MARCH,
            granularity=Granularity.MONTH,
            dimensions=["tipo", "direcao", "origem", "agente"],
        ).run()
        agents = AgentReport(tenant_id=tenant.pk, period=MARCH, dimensions=["agente"]).run()

    by_kind: Counter[tuple[str, str]] = Counter()
    by_agent: Counter[str] = Counter()
    by_origin: Counter[str] = Counter()
    for kind, direction, origin, agent, quantity in usage.rows:
        by_kind[kind, direction] += quantity
        by_origin[origin] += quantity
        if direction == "Enviada" and origin == "agent":
            by_agent[agent] += quantity

    # Then messages by kind equal the ledger's
    assert ledger.total == usage.totals["mensagens"] == 14
    assert by_kind == {
        ("Sessão", "Recebida"): ledger.session_received,
        ("Sessão", "Enviada"): ledger.session_sent,
        ("Modelo", "Enviada"): ledger.template_sent,
    }
    assert (ledger.session_received, ledger.session_sent, ledger.template_sent) == (5, 7, 2)
    assert by_origin["agent"] == ledger.sent_by_agents
    assert by_origin["system"] + by_origin["bot"] == ledger.sent_by_system

    # And per agent, both from the ledger rows and from the messages themselves
    assert dict(by_agent) == {row.agent_name: row.quantity for row in ledger.sent_per_agent}
    assert {name: messages for name, messages, _c, _t in agents.rows} == {
        row.agent_name: row.quantity for row in ledger.sent_per_agent
    }
    assert {row.agent_name: row.quantity for row in ledger.sent_per_agent} == {
        "Ana Souza": 2,
        "Bruno Souza": 3,
        "Carla Souza": 2,
    }


@pytest.mark.req("6.6.3")
def test_consumption_report_is_for_who_sees_billing(
    make_tenant: MakeTenant, make_user: Callable[..., User]
) -> None:
    tenant = make_tenant()
    users = {
        role: make_user(tenant, role)
        for role in (Role.ADMIN, Role.AUDITOR, Role.SUPERVISOR, Role.AGENT)
    }
    with schema_context(tenant.schema_name):
        allowed = {role: ConsumptionReport.allowed(user) for role, user in users.items()}
    assert allowed == {
        Role.ADMIN: True,
        Role.AUDITOR: True,
        Role.SUPERVISOR: False,
        Role.AGENT: False,
    }

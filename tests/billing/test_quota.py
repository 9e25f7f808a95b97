"""Contracted volume (6.6.2): alerts at 80% and 100%, each fired once, and what 100% does."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core import mail
from django.db import connection
from django.test.utils import CaptureQueriesContext

from billing.models import QuotaAlert
from billing.services import template_allowed
from billing.services.contracts import contract_save
from billing.tasks import rollups_refresh
from security.models import AuditEntry
from tenants.models import Tenant
from tests.billing.conftest import TESTS, MakeContract, Meter, sp, terms

pytestmark = pytest.mark.django_db


def send(meter: Meter, tenant: Tenant, count: int, start: int = 0) -> None:
    for n in range(start, start + count):
        meter(tenant, f"q{n}", sp(2026, 2, 1 + n % 28))


@pytest.mark.req("6.6.2")
def test_alerts_at_80_and_100_percent_fire_once_each(
    tenant_alfa: Tenant,
    make_contract: MakeContract,
    meter: Meter,
    make_user: Callable[..., Any],
    operator: Any,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    make_contract(tenant_alfa, contracted_messages=10)
    make_user(tenant_alfa, "supervisor", email="sup@alfa.gov.br")

    send(meter, tenant_alfa, 7)
    with django_capture_on_commit_callbacks(execute=True):
        rollups_refresh()
    assert not QuotaAlert.objects.exists()

    send(meter, tenant_alfa, 1, start=7)
    with django_capture_on_commit_callbacks(execute=True):
        rollups_refresh()
        rollups_refresh()
    assert list(QuotaAlert.objects.values_list("threshold", "used_messages")) == [(80, 8)]
    assert len(mail.outbox) == 2
    admins, operators = mail.outbox
    assert admins.to == ["admin@alfa.gov.br"]  # administrators only, not the supervisor
    assert operators.to == ["operador@provedor.test"]
    assert "80% do volume contratado" in admins.subject
    assert "Prefeitura Municipal de Alfa" in admins.subject

    send(meter, tenant_alfa, 5, start=8)
    with django_capture_on_commit_callbacks(execute=True):
        rollups_refresh()
        rollups_refresh()
    assert sorted(QuotaAlert.objects.values_list("threshold", flat=True)) == [80, 100]
    assert len(mail.outbox) == 4
    assert "100% do volume contratado" in mail.outbox[2].subject
    assert "o atendimento continua e o excedente será informado" in mail.outbox[2].body
    assert AuditEntry.objects.filter(action="billing.quota.alert").count() == 2
    # serve_and_report: templates keep going past 100%.
    assert template_allowed(tenant_alfa)


def test_refuse_templates_past_100_percent_when_the_contract_says_so(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_contract: MakeContract,
    meter: Meter,
    django_capture_on_commit_callbacks: Callable[..., Any],
) -> None:
    contract = make_contract(tenant_alfa, contracted_messages=4, overage_policy="refuse_templates")
    send(meter, tenant_alfa, 3)
    rollups_refresh()
    assert template_allowed(tenant_alfa)

    send(meter, tenant_alfa, 1, start=3)
    with django_capture_on_commit_callbacks(execute=True):
        rollups_refresh()
    assert not template_allowed(tenant_alfa)
    assert not template_allowed(tenant_alfa.pk)
    assert template_allowed(tenant_beta)  # no contract, no limit known here
    assert "suspenso" in mail.outbox[-1].body

    # An amendment raising the volume lifts the refusal and arms the alerts again.
    contract_save(
        actor=TESTS,
        tenant=tenant_alfa,
        terms=terms(contracted_messages=100, overage_policy="refuse_templates"),
    )
    assert template_allowed(tenant_alfa)
    contract.refresh_from_db()
    assert contract.contracted_messages == 100


def test_template_allowed_is_one_query(
    tenant_alfa: Tenant,
    make_contract: MakeContract,
) -> None:
    make_contract(tenant_alfa, overage_policy="refuse_templates")
    with CaptureQueriesContext(connection) as queries:
        assert template_allowed(tenant_alfa)
    # django-tenants sets the search path per cursor; the check itself is one SELECT.
    assert [
        q["sql"].split()[0]
        for q in queries.captured_queries
        if not q["sql"].startswith("SET search_path")
    ] == ["SELECT"]


def test_usage_outside_the_term_does_not_count(
    tenant_alfa: Tenant,
    make_contract: MakeContract,
    meter: Meter,
) -> None:
    from datetime import date

    from billing.services.quota import term_usage

    contract = make_contract(
        tenant_alfa,
        term_start=date(2026, 2, 10),
        term_end=date(2026, 3, 20),
        contracted_messages=100,
    )
    meter(tenant_alfa, "before", sp(2026, 2, 9))
    meter(tenant_alfa, "first-day", sp(2026, 2, 10))
    meter(tenant_alfa, "march", sp(2026, 3, 5))
    meter(tenant_alfa, "last-day", sp(2026, 3, 20, 23, 59))
    meter(tenant_alfa, "after", sp(2026, 3, 21))
    rollups_refresh()

    assert term_usage(contract) == 3

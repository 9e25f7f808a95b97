"""The operators' dashboard figures that the tenant apps provide (REQ 6.2.13): conversations and
messages today, queue sizes and agents, each read from its own client's schema."""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from controlplane import metrics
from controlplane.selectors.dashboard import dashboard_all_tenants
from desk.models import (
    Conversation,
    ConversationStatus,
    Direction,
    Message,
    MessageKind,
    MessageStatus,
    Origin,
    Outbox,
)
from routing.models import AgentState, AgentStatus
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory

pytestmark = pytest.mark.django_db

TENANT_METRICS = [
    "conversations_today",
    "messages_today",
    "conversations_queued",
    "conversations_open",
    "outbox_pending",
    "agents_available",
    "agents_paused",
]


def _outbound_pending(conversation: Conversation) -> None:
    now = timezone.now()
    message = Message.objects.create(
        conversation=conversation,
        channel_id=conversation.channel_id,
        direction=Direction.OUTBOUND,
        kind=MessageKind.TEXT,
        text="Já vamos atender.",
        status=MessageStatus.QUEUED,
        origin=Origin.SYSTEM,
        created_at=now,
    )
    Outbox.objects.create(message=message, next_attempt_at=now, created_at=now)


@pytest.fixture
def alfa_activity(tenant_alfa: Tenant, make_user: Callable[..., User]) -> None:
    """Alfa: 2 conversations opened today (1 queued, 1 with an agent), 1 opened yesterday and
    still queued; 4 messages today; 1 outbound message waiting to leave; 2 agents available
    and 1 on a pause."""
    with schema_context(tenant_alfa.schema_name):
        desk = DeskFactory(tenant_alfa, make_user)
        team = desk.team("Triagem")
        now = timezone.now()
        yesterday = desk.conversation(team, at=now - timedelta(days=1))
        queued = desk.conversation(team)
        taken = desk.conversation(team)
        desk.inbound(taken, "Mais uma dúvida")
        Conversation.objects.filter(pk=taken.pk).update(status=ConversationStatus.OPEN)
        _outbound_pending(queued)
        assert yesterday.opened_at < now
        desk.agent(team)
        desk.agent(team)
        paused = desk.agent(team)
        AgentState.objects.filter(user=paused).update(status=AgentStatus.PAUSED)


@pytest.fixture
def beta_activity(tenant_beta: Tenant, make_user: Callable[..., User]) -> None:
    """Beta: 1 conversation today, queued; no agents."""
    with schema_context(tenant_beta.schema_name):
        desk = DeskFactory(tenant_beta, make_user)
        desk.conversation(desk.team("Geral"))


@pytest.mark.req("6.2.13")
@pytest.mark.usefixtures("alfa_activity", "beta_activity")
def test_each_client_gets_its_own_figures() -> None:
    dashboard = dashboard_all_tenants()

    by_slug = {row.tenant.slug: row.metrics for row in dashboard.rows}
    assert {key: by_slug["alfa"][key] for key in TENANT_METRICS} == {
        "conversations_today": 2,
        "messages_today": 4,
        "conversations_queued": 2,
        "conversations_open": 1,
        "outbox_pending": 1,
        "agents_available": 2,
        "agents_paused": 1,
    }
    assert {key: by_slug["beta"][key] for key in TENANT_METRICS} == {
        "conversations_today": 1,
        "messages_today": 1,
        "conversations_queued": 1,
        "conversations_open": 0,
        "outbox_pending": 0,
        "agents_available": 0,
        "agents_paused": 0,
    }


@pytest.mark.req("6.2.13")
def test_every_tenant_figure_has_a_provider_and_a_column() -> None:
    dashboard = dashboard_all_tenants()

    columns = {key: exists for key, _label, exists in dashboard.metric_columns}
    for key in TENANT_METRICS:
        assert columns[key] is True, key
        assert metrics.metric_provider(key) is not None


@pytest.mark.req("6.2.13")
@pytest.mark.usefixtures("alfa_activity", "beta_activity")
def test_the_screen_shows_the_figures_per_client(operator_client: Client) -> None:
    html = operator_client.get("/controle/painel/dados/").content.decode()

    alfa_row = html.split('<tr data-tenant="alfa">', 1)[1].split("</tr>", 1)[0]
    beta_row = html.split('<tr data-tenant="beta">', 1)[1].split("</tr>", 1)[0]
    assert 'data-metric="conversations_today">2</td>' in alfa_row
    assert 'data-metric="messages_today">4</td>' in alfa_row
    assert 'data-metric="conversations_queued">2</td>' in alfa_row
    assert 'data-metric="agents_available">2</td>' in alfa_row
    assert 'data-metric="conversations_today">1</td>' in beta_row
    assert 'data-metric="outbox_pending">0</td>' in beta_row
    assert "ainda não disponível" not in alfa_row


def test_a_broken_provider_shows_not_available_for_that_figure_only(
    tenant_alfa: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    def broken(tenant: Tenant, since: Any) -> int:
        raise RuntimeError("tabela sumiu")

    original = metrics.metric_provider("outbox_pending")
    assert original is not None
    monkeypatch.setitem(
        metrics._PROVIDERS,
        "outbox_pending",
        metrics.MetricProvider("outbox_pending", original.label, broken),
    )

    row = {row.tenant.slug: row for row in dashboard_all_tenants().rows}["alfa"]

    assert row.metrics["outbox_pending"] is None
    assert row.metrics["conversations_today"] == 0

"""The "Dados do atendimento" box of the console (6.5.48.10): the agent sees the data captured
in the open conversation (masked without `view_sensitive_data`) and records a field; others
neither see nor write it."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.roles import Role
from desk.models import CapturedData
from desk.services.captured_data import conversation_data_capture
from routing.services.lifecycle import conversation_assign
from security.actors import Actor
from security.models.audit import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.48.10")]

PHONE = "(11) 98765-4321"


def _assigned(desk: DeskFactory) -> tuple[Any, Any, Any]:
    team = desk.team("Obras")
    agent = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team)
    conversation_assign(
        actor=actor_of(desk.user(Role.SUPERVISOR)), conversation=conversation, agent=agent
    )
    return team, agent, conversation


@audits_route("tenant:portal_console:captured_data")
def test_the_agent_records_a_field_and_sees_it_in_the_box(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # Given an assigned conversation where a flow captured the citizen's phone
    _team, agent, conversation = _assigned(desk)
    conversation_data_capture(
        actor=Actor.system("fluxo"),
        conversation=conversation,
        key="telefone_contato",
        label="Telefone",
        value=PHONE,
        source="flow",
    )
    client = client_for(alfa, agent)

    # When the agent records the kind of request (htmx, then without JavaScript)
    fragment = client.post(
        f"/console/c/{conversation.pk}/dados",
        {"key": "tipo_solicitacao", "value": "Poda de árvore"},
        HTTP_HX_REQUEST="true",
    )
    plain = client.post(f"/console/c/{conversation.pk}/dados", {"key": "bairro", "value": "Centro"})

    # Then the box comes back with both values, the phone masked for an agent
    assert fragment.status_code == 200
    html = fragment.content.decode()
    assert 'id="captured-data"' in html
    assert "Poda de árvore" in html
    assert "Dado do atendimento registrado." in html
    assert PHONE not in html
    assert "(**) *****-****" in html
    assert plain.status_code == 302
    assert plain["Location"] == f"/console/c/{conversation.pk}/"
    page = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert "Dados do atendimento" in page
    assert "Centro" in page and "Poda de árvore" in page
    rows = list(
        CapturedData.objects.order_by("pk").values_list("key", "value", "source", "captured_by")
    )
    assert rows == [
        ("telefone_contato", PHONE, "flow", None),
        ("tipo_solicitacao", "Poda de árvore", "agent", agent.pk),
        ("bairro", "Centro", "agent", agent.pk),
    ]
    assert list(AuditEntry.objects.filter(actor_id=agent.pk).values_list("action", flat=True)) == [
        "conversation.data_capture",
        "conversation.data_capture",
    ]


def test_an_administrator_sees_the_value_unmasked(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    _team, _agent, conversation = _assigned(desk)
    conversation_data_capture(
        actor=Actor.system("fluxo"),
        conversation=conversation,
        key="telefone_contato",
        value=PHONE,
        source="flow",
    )
    page = client_for(alfa, desk.user(Role.ADMIN)).get(f"/console/c/{conversation.pk}/")
    assert PHONE in page.content.decode()


def test_a_bad_key_is_refused_with_a_message(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    _team, agent, conversation = _assigned(desk)
    response = client_for(alfa, agent).post(
        f"/console/c/{conversation.pk}/dados",
        {"key": "Bairro Novo", "value": "Centro"},
        HTTP_HX_REQUEST="true",
    )
    assert "Campo inválido" in response.content.decode()
    assert CapturedData.objects.count() == 0


@pytest.mark.parametrize("who", ["anonymous", Role.AUDITOR, "other_team"])
def test_others_cannot_record(desk: DeskFactory, alfa: Tenant, client_for: Any, who: str) -> None:
    _team, _agent, conversation = _assigned(desk)
    if who == "anonymous":
        client = client_for(alfa)
    elif who == "other_team":
        client = client_for(alfa, desk.agent(desk.team("Saúde"), name="Bruno Lima"))
    else:
        client = client_for(alfa, desk.user(who))

    response = client.post(
        f"/console/c/{conversation.pk}/dados", {"key": "bairro", "value": "Centro"}
    )

    assert response.status_code in (302, 403, 404)
    if who == "other_team":
        assert response.status_code == 404
    assert CapturedData.objects.count() == 0

"""The supervisor's monitor: agents with their state and conversations, the queue with
assignment, and intervening, transferring and closing through routing's services."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from desk.models import Direction, Message
from routing.models import ConversationRouting, PauseReason, RoutingState
from routing.services.agents import agent_pause
from routing.services.lifecycle import conversation_assign
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of


@pytest.mark.req("6.5.44.2")
@pytest.mark.req("6.5.45")
@pytest.mark.req("6.5.44.7")
@pytest.mark.req("6.5.44.8")
@pytest.mark.req("6.5.44.9")
def test_the_monitor_shows_agents_states_and_their_conversations(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given Ana serving a conversation for 12 minutes and Bruno paused for lunch
    team = desk.team("Obras")
    ana = desk.agent(team, name="Ana Souza")
    bruno = desk.agent(team, name="Bruno Lima")
    agent_pause(actor=actor_of(bruno), user=bruno, reason=PauseReason.objects.create(name="Almoço"))
    supervisor = desk.user(Role.SUPERVISOR, name="Sílvia Supervisora")
    conversation = desk.conversation(team)
    conversation_assign(actor=actor_of(supervisor), conversation=conversation, agent=ana)
    ConversationRouting.objects.filter(pk=conversation.pk).update(
        assigned_at=timezone.now() - timedelta(minutes=12, seconds=5)
    )
    # when the supervisor opens the monitor
    html = client_for(alfa, supervisor).get("/monitor/").content.decode()
    agents = html.split('id="agents-title"')[1]
    ana_row = agents.split("Ana Souza")[1].split("</tr>")[0]
    bruno_row = agents.split("Bruno Lima")[1].split("</tr>")[0]
    # then each agent's state, and Ana's conversation with its duration, team and channel
    assert "Disponível" in ana_row
    assert conversation.protocol in ana_row
    assert "12 min · Obras · WebChat" in ana_row
    assert "Em pausa" in bruno_row
    assert "Almoço" in bruno_row


@pytest.mark.req("6.5.44.6")
def test_the_supervisor_assigns_a_waiting_conversation(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given a waiting conversation and an available agent
    team = desk.team("Obras")
    conversation = desk.conversation(team)
    ana = desk.agent(team, name="Ana Souza")
    ConversationRouting.objects.filter(pk=conversation.pk).delete()
    client = client_for(alfa, desk.user(Role.SUPERVISOR))
    board = client.get("/monitor/painel").content.decode()
    assert conversation.protocol in board.split('id="queue-title"')[1]
    # when the supervisor assigns it to Ana
    response = client.post(f"/monitor/c/{conversation.pk}/atribuir", {"agent": ana.pk})
    # then Ana owns it
    assert response.status_code == 302
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    assert (routing.state, routing.agent_id) == (RoutingState.ASSIGNED, ana.pk)


def test_an_agent_cannot_assign(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team = desk.team("Obras")
    conversation = desk.conversation(team)
    ana = desk.agent(team)
    ConversationRouting.objects.filter(pk=conversation.pk).delete()
    response = client_for(alfa, ana).post(
        f"/monitor/c/{conversation.pk}/atribuir", {"agent": ana.pk}
    )
    assert response.status_code == 403
    assert not ConversationRouting.objects.filter(pk=conversation.pk).exists()


@pytest.mark.req("6.5.44.3")
@pytest.mark.req("6.5.44.4")
@pytest.mark.req("6.5.44.5")
def test_the_supervisor_intervenes_transfers_and_closes(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given Ana serving a conversation, and Bruno available in the same team
    team = desk.team("Obras")
    ana = desk.agent(team, name="Ana Souza")
    bruno = desk.agent(team, name="Bruno Lima")
    supervisor = desk.user(Role.SUPERVISOR, name="Sílvia Souza")
    conversation = desk.conversation(team)
    conversation_assign(actor=actor_of(supervisor), conversation=conversation, agent=ana)
    client = client_for(alfa, supervisor)
    page = client.get(f"/monitor/c/{conversation.pk}/")
    assert page.status_code == 200
    assert 'id="reply-text"' in page.content.decode()
    monitor_page = f"/monitor/c/{conversation.pk}/"
    # when she writes to the citizen
    client.post(
        f"/console/c/{conversation.pk}/enviar",
        {"text": "Aqui é a supervisão.", "next": monitor_page},
    )
    # then the message goes out from her
    message = Message.objects.get(conversation=conversation, direction=Direction.OUTBOUND)
    assert message.sender_user_id == supervisor.pk
    # when she transfers it to Bruno
    response = client.post(
        f"/console/c/{conversation.pk}/transferir", {"agent": bruno.pk, "next": monitor_page}
    )
    assert response["Location"] == monitor_page
    assert ConversationRouting.objects.get(pk=conversation.pk).agent_id == bruno.pk
    # and closes it
    client.post(f"/console/c/{conversation.pk}/encerrar", {"note": "encerrado pela supervisão"})
    assert ConversationRouting.objects.get(pk=conversation.pk).state == RoutingState.CLOSED

"""6.5.44.1 and 6.5.45: a supervisor monitors the teams they belong to, and sees each agent's
teams; an administrator, or a supervisor in no team, monitors every team."""

from __future__ import annotations

from typing import Any

import pytest

from accounts.roles import Role
from routing.models import ConversationRouting, TeamMembership
from routing.services.lifecycle import conversation_assign
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of


def _two_teams(desk: DeskFactory) -> dict[str, Any]:
    works, health = desk.team("Obras"), desk.team("Saúde")
    ana = desk.agent(works, name="Ana Obras")
    bia = desk.agent(health, name="Bia Saúde")
    boss = desk.user(Role.SUPERVISOR, name="Sueli Chefe")
    mine = desk.conversation(works, text="buraco")
    theirs = desk.conversation(health, text="consulta")
    assigned_mine = desk.conversation(works, text="poste")
    assigned_theirs = desk.conversation(health, text="vacina")
    conversation_assign(actor=actor_of(boss), conversation=assigned_mine, agent=ana)
    conversation_assign(actor=actor_of(boss), conversation=assigned_theirs, agent=bia)
    for conversation in (mine, theirs):
        ConversationRouting.objects.filter(pk=conversation.pk).delete()
    return {
        "works": works,
        "boss": boss,
        "protocols": {
            "mine": mine.protocol,
            "theirs": theirs.protocol,
            "assigned_mine": assigned_mine.protocol,
            "assigned_theirs": assigned_theirs.protocol,
        },
    }


@pytest.mark.req("6.5.44.1")
def test_a_supervisor_monitors_only_their_teams(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given two teams, each with an agent, a waiting and an assigned conversation, and a
    # supervisor who belongs to "Obras"
    world = _two_teams(desk)
    TeamMembership.objects.create(team=world["works"], user=world["boss"])
    # when the supervisor opens the monitor
    board = client_for(alfa, world["boss"]).get("/monitor/painel").content.decode()
    # then only "Obras" shows: its agent, its queue, its conversations
    protocols = world["protocols"]
    assert "Ana Obras" in board and "Bia Saúde" not in board
    assert protocols["mine"] in board and protocols["assigned_mine"] in board
    assert protocols["theirs"] not in board and protocols["assigned_theirs"] not in board


@pytest.mark.req("6.5.44.1")
@pytest.mark.req("6.5.45")
@pytest.mark.parametrize("role", [Role.SUPERVISOR, Role.ADMIN])
def test_without_teams_or_as_administrator_every_team_shows(
    desk: DeskFactory, alfa: Tenant, client_for: Any, role: str
) -> None:
    world = _two_teams(desk)
    viewer = desk.user(role, name="Quem Vê Tudo")
    if role == Role.ADMIN:
        TeamMembership.objects.create(team=world["works"], user=viewer)
    board = client_for(alfa, viewer).get("/monitor/painel").content.decode()
    for protocol in world["protocols"].values():
        assert protocol in board
    # each agent's teams, and whether they are logged into them
    assert 'Obras <span class="muted">(conectado)</span>' in board
    assert 'Saúde <span class="muted">(conectado)</span>' in board

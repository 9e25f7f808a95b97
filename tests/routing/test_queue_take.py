""" "Puxar da fila": an agent takes the longest-waiting conversation of their teams themselves,
within capacity, through the service, the API and the agent page. (Two agents taking at once:
tests/routing/test_concurrency.py.)"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.models import User
from accounts.roles import Role
from routing.errors import Conflict, NotAllowed
from routing.models import (
    ConversationEvent,
    ConversationRouting,
    PauseReason,
    RoutingState,
)
from routing.services.agents import agent_logout, agent_pause
from routing.services.dispatch import queue_take
from routing.services.entry import route_conversation
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import Api, DeskFactory, actor_of

pytestmark = pytest.mark.django_db


def waiting(desk: DeskFactory, team: Any, minutes_ago: int) -> Any:
    """A conversation queued in `team` that long ago (no dispatch runs: nothing commits)."""
    conversation = desk.conversation(team)
    route_conversation(conversation, now=timezone.now() - timedelta(minutes=minutes_ago))
    return conversation


def state_of(conversation: Any) -> tuple[str, int | None]:
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    return routing.state, routing.agent_id


@pytest.mark.req("6.5.58.1")
def test_an_agent_takes_the_longest_waiting_conversation_of_their_teams(desk: DeskFactory) -> None:
    # Given an agent logged into two teams, and conversations waiting there and elsewhere
    licencas, tributos, saude = desk.team("Licenças"), desk.team("Tributos"), desk.team("Saúde")
    ana = desk.agent(licencas, tributos, name="Ana Souza", capacity=3)
    newer = waiting(desk, licencas, minutes_ago=5)
    older = waiting(desk, tributos, minutes_ago=10)
    not_hers = waiting(desk, saude, minutes_ago=30)

    # When she takes from the queue twice
    first = queue_take(actor=actor_of(ana), user=ana)
    second = queue_take(actor=actor_of(ana), user=ana)

    # Then she gets the longest waiting of her teams first, then the next; never another team's
    assert (first.conversation_id, second.conversation_id) == (older.pk, newer.pk)
    assert state_of(older) == state_of(newer) == (RoutingState.ASSIGNED, ana.pk)
    assert state_of(not_hers) == (RoutingState.WAITING, None)
    event = ConversationEvent.objects.get(conversation_id=older.pk, kind="assigned")
    assert (event.actor_id, event.reason, event.agent_id, event.team_id) == (
        ana.pk,
        "taken",
        ana.pk,
        tributos.pk,
    )
    assert sorted(
        AuditEntry.objects.filter(action="conversation.take").values_list("object_repr", flat=True)
    ) == sorted([older.protocol, newer.protocol])
    # And with nobody left in her teams, there is nothing to take
    with pytest.raises(Conflict) as empty:
        queue_take(actor=actor_of(ana), user=ana)
    assert empty.value.code == "queue_empty"
    assert state_of(not_hers) == (RoutingState.WAITING, None)


@pytest.mark.req("6.5.58.13")
def test_taking_is_refused_when_full_paused_or_offline(desk: DeskFactory) -> None:
    team = desk.team()
    ana = desk.agent(team, capacity=1)
    first, second = waiting(desk, team, 10), waiting(desk, team, 5)
    queue_take(actor=actor_of(ana), user=ana)

    # At capacity
    with pytest.raises(Conflict) as full:
        queue_take(actor=actor_of(ana), user=ana)
    assert full.value.code == "agent_full"

    # Paused (a pause stops new conversations, even taken ones)
    bruno = desk.agent(team, capacity=3)
    reason = PauseReason.objects.create(name="Almoço")
    agent_pause(actor=actor_of(bruno), user=bruno, reason=reason)
    with pytest.raises(Conflict) as paused:
        queue_take(actor=actor_of(bruno), user=bruno)
    assert paused.value.code == "agent_paused"

    # Logged out of every team
    carla = desk.agent(team, capacity=3)
    agent_logout(actor=actor_of(carla), user=carla)
    with pytest.raises(Conflict) as offline:
        queue_take(actor=actor_of(carla), user=carla)
    assert offline.value.code == "agent_offline"

    # Nobody takes for someone else, and a role that does not serve takes nothing
    with pytest.raises(NotAllowed):
        queue_take(actor=actor_of(desk.user(Role.SUPERVISOR)), user=bruno)
    auditor = desk.user(Role.AUDITOR)
    with pytest.raises(NotAllowed):
        queue_take(actor=actor_of(auditor), user=auditor)

    # And nothing moved
    assert state_of(first) == (RoutingState.ASSIGNED, ana.pk)
    assert state_of(second) == (RoutingState.WAITING, None)


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 401), (Role.AUDITOR, 403), (Role.AGENT, 200), (Role.SUPERVISOR, 200)],
)
def test_who_may_take_through_the_api(
    desk: DeskFactory, api_for: Callable[..., Api], role: str | None, expected: int
) -> None:
    team = desk.team()
    conversation = waiting(desk, team, 5)
    user = None
    if role in (Role.AGENT, Role.SUPERVISOR):
        user = desk.agent(team, role=role)
    elif role is not None:
        user = desk.user(role)

    status, body = api_for(user).call("post", "/queue/take")

    assert status == expected
    if expected == 200:
        assert user is not None
        assert (body["conversation_id"], body["agent_id"], body["state"]) == (
            conversation.pk,
            user.pk,
            "assigned",
        )
    else:
        assert state_of(conversation) == (RoutingState.WAITING, None)


@audits_route("tenant:POST /api/routing/queue/take")
def test_taking_through_the_api_is_audited_and_conflicts_say_why(
    desk: DeskFactory, api_for: Callable[..., Api]
) -> None:
    team = desk.team()
    conversation = waiting(desk, team, 5)
    agent = desk.agent(team, capacity=1)
    api = api_for(agent)

    status, body = api.call("post", "/queue/take")
    assert (status, body["conversation_id"]) == (200, conversation.pk)
    entry = AuditEntry.objects.get(action="conversation.take")
    assert (entry.actor_id, entry.object_repr) == (agent.pk, conversation.protocol)

    waiting(desk, team, 1)
    status, body = api.call("post", "/queue/take")
    assert (status, body["code"], body["detail"]) == (
        409,
        "agent_full",
        "Você já está com o máximo de 1 atendimentos.",
    )


@pytest.fixture
def agent_browser(
    desk: DeskFactory, alfa: Tenant, client_for: Callable[..., Client]
) -> Callable[[User], Client]:
    def make(user: User) -> Client:
        return client_for(alfa, user)

    return make


@audits_route("tenant:agent:queue_take")
@pytest.mark.req("6.5.58.1")
def test_the_agent_page_takes_from_the_queue_and_opens_the_conversation(
    desk: DeskFactory, agent_browser: Callable[[User], Client]
) -> None:
    # Given a waiting conversation of the agent's team
    team = desk.team()
    conversation = waiting(desk, team, 5)
    ana = desk.agent(team, name="Ana Souza")
    browser = agent_browser(ana)
    page = browser.get("/atendimento/").content.decode()
    assert 'action="/atendimento/fila/puxar"' in page
    assert "Puxar da fila" in page

    # When she presses "Puxar da fila"
    response = browser.post("/atendimento/fila/puxar")

    # Then the conversation is hers and its page opens
    assert response.status_code == 302
    assert response["Location"] == f"/atendimento/{conversation.pk}/"
    assert state_of(conversation) == (RoutingState.ASSIGNED, ana.pk)
    assert AuditEntry.objects.filter(action="conversation.take", actor_id=ana.pk).count() == 1
    opened = browser.get(response["Location"])
    assert opened.status_code == 200
    assert "Atendimento puxado da fila: agora ele é seu." in opened.content.decode()
    waiting_list, mine = (
        browser.get("/atendimento/fila").content.decode().split("Meus atendimentos")
    )
    assert conversation.protocol in mine
    assert conversation.protocol not in waiting_list

    # And with nobody waiting she is told so, on the list
    empty = browser.post("/atendimento/fila/puxar", follow=True)
    assert empty.redirect_chain == [("/atendimento/", 302)]
    assert "Ninguém está aguardando nas suas equipes." in empty.content.decode()


def test_the_agent_page_refuses_get_and_roles_that_do_not_serve(
    desk: DeskFactory, agent_browser: Callable[[User], Client]
) -> None:
    team = desk.team()
    conversation = waiting(desk, team, 5)
    agent = desk.agent(team)
    assert agent_browser(agent).get("/atendimento/fila/puxar").status_code == 405
    assert agent_browser(desk.user(Role.AUDITOR)).post("/atendimento/fila/puxar").status_code == 403
    assert state_of(conversation) == (RoutingState.WAITING, None)

"""6.5.58.5: an agent's codename. A citizen who writes it (whole message, any case or
accents) goes straight to that agent's queue, skipping the team's routing; the conversation
waits for the agent while they cannot take it, unless the codename says to follow the team."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from desk.models import Conversation, Message, Team
from routing.errors import Conflict, RoutingError
from routing.models import (
    AgentCodename,
    CodenameHold,
    CodenameUnavailable,
    ConversationEvent,
    ConversationRouting,
    EventKind,
    RoutingState,
)
from routing.services.agents import agent_login
from routing.services.codenames import agent_codename_set, codename_match
from routing.services.dispatch import queue_dispatch, queue_take
from routing.services.entry import RoutingOutcome, inbound_received
from routing.services.lifecycle import conversation_close, conversation_transfer
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]
ADMIN = Actor.command("tests")


def owner_of(conversation: Conversation) -> int | None:
    return ConversationRouting.objects.get(pk=conversation.pk).agent_id


def first_message(conversation: Conversation) -> Message:
    return Message.objects.filter(conversation=conversation).latest("id")


def arrive(
    desk: DeskFactory, commit: Commit, team: Team, text: str
) -> tuple[Conversation, RoutingOutcome | None]:
    """A citizen's first message, through the pipeline's hook."""
    conversation = desk.conversation(team, text=text)
    with commit(execute=True):
        outcome = inbound_received(
            conversation=conversation, message=first_message(conversation), created=True
        )
    return conversation, outcome


class Scene:
    """Saúde receives the channel's conversations (Bruno serves it); Ana serves Obras and has
    the codename "Girassol"."""

    def __init__(self, desk: DeskFactory, *, ana_online: bool = True, capacity: int = 3) -> None:
        self.health = desk.team("Saúde")
        self.works = desk.team("Obras")
        self.bruno = desk.agent(self.health, name="Bruno Lima")
        self.ana = desk.agent(self.works, name="Ana Souza", login=ana_online, capacity=capacity)
        agent_codename_set(actor=ADMIN, user=self.ana, codename="Girassol")


@pytest.mark.req("6.5.58.5")
@pytest.mark.parametrize("typed", ["Girassol", "  GIRASSÓL ", "girassol"])
def test_the_codename_goes_straight_to_the_agent(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit, typed: str
) -> None:
    # given Ana, available in Obras, with a codename
    scene = Scene(desk)
    # when a citizen's first message to Saúde's channel is her codename
    conversation, outcome = arrive(desk, django_capture_on_commit_callbacks, scene.health, typed)
    # then Ana serves it, in her team, without Saúde's routing
    assert outcome == RoutingOutcome("direct", scene.works.pk)
    assert owner_of(conversation) == scene.ana.pk
    conversation.refresh_from_db()
    assert (conversation.team_id, conversation.status) == (scene.works.pk, "open")
    queued = ConversationEvent.objects.get(conversation=conversation, kind=EventKind.QUEUED)
    assert queued.data["codename_agent"] == scene.ana.pk
    assert queued.from_team_id == scene.health.pk


@pytest.mark.req("6.5.58.5")
def test_other_messages_follow_the_team(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    scene = Scene(desk)
    for text in ("Olá", "girassol amarelo", "Quero falar com Girassol"):
        conversation, outcome = arrive(desk, django_capture_on_commit_callbacks, scene.health, text)
        assert outcome is not None and outcome.result == "queued"
        assert owner_of(conversation) == scene.bruno.pk
    assert CodenameHold.objects.count() == 0


@pytest.mark.req("6.5.58.5")
def test_the_conversation_waits_for_an_offline_agent_and_nobody_else_takes_it(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # given Ana offline, and Carla available in Ana's team
    scene = Scene(desk, ana_online=False)
    carla = desk.agent(scene.works, name="Carla Dias")
    # when a citizen writes Ana's codename
    held, outcome = arrive(desk, django_capture_on_commit_callbacks, scene.health, "girassol")
    assert outcome == RoutingOutcome("direct", scene.works.pk)
    # then it waits in Obras for Ana: the dispatcher does not give it to Carla…
    with django_capture_on_commit_callbacks(execute=True):
        queue_dispatch(scene.works.pk)
    assert ConversationRouting.objects.get(pk=held.pk).state == RoutingState.WAITING
    assert owner_of(held) is None
    # …who still gets the ordinary conversations of Obras
    ordinary, _outcome = arrive(desk, django_capture_on_commit_callbacks, scene.works, "Olá")
    assert owner_of(ordinary) == carla.pk
    # and when Ana logs in, it is hers
    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(scene.ana), user=scene.ana, teams=[scene.works.pk])
    assert owner_of(held) == scene.ana.pk
    assigned = ConversationEvent.objects.filter(conversation=held, kind=EventKind.ASSIGNED).get()
    assert assigned.reason == "codename"


@pytest.mark.req("6.5.58.5")
def test_an_agent_at_capacity_gets_it_when_a_slot_frees(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # given Ana, capacity 1, already serving someone
    scene = Scene(desk, capacity=1)
    busy, _ = arrive(desk, django_capture_on_commit_callbacks, scene.works, "Primeiro")
    assert owner_of(busy) == scene.ana.pk
    # when another citizen writes her codename, it waits…
    held, _ = arrive(desk, django_capture_on_commit_callbacks, scene.health, "GIRASSOL")
    assert owner_of(held) is None
    # …until she closes the first one
    with django_capture_on_commit_callbacks(execute=True):
        conversation_close(actor=actor_of(scene.ana), conversation=busy)
    assert owner_of(held) == scene.ana.pk


@pytest.mark.req("6.5.58.5")
def test_follow_the_team_when_the_agent_cannot_take_it(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # given Ana's codename says "follow the team" and she is offline
    scene = Scene(desk, ana_online=False)
    agent_codename_set(
        actor=ADMIN, user=scene.ana, codename="Girassol", when_unavailable=CodenameUnavailable.TEAM
    )
    # when a citizen writes it, the conversation is routed like any other (Saúde, Bruno)
    conversation, outcome = arrive(
        desk, django_capture_on_commit_callbacks, scene.health, "Girassol"
    )
    assert outcome is not None and outcome.result == "queued"
    assert owner_of(conversation) == scene.bruno.pk
    assert CodenameHold.objects.count() == 0
    # and once she is available, the codename takes the citizen to her
    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(scene.ana), user=scene.ana, teams=[scene.works.pk])
    later, outcome = arrive(desk, django_capture_on_commit_callbacks, scene.health, "Girassol")
    assert outcome == RoutingOutcome("direct", scene.works.pk)
    assert owner_of(later) == scene.ana.pk


@pytest.mark.req("6.5.58.5")
def test_the_codename_typed_while_waiting_in_the_queue(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # given a citizen waiting in Saúde, where nobody is available
    scene = Scene(desk)
    empty = desk.team("Ouvidoria")
    conversation, outcome = arrive(desk, django_capture_on_commit_callbacks, empty, "Olá")
    assert outcome is not None and outcome.result == "queued"
    assert owner_of(conversation) is None
    # when the citizen then writes Ana's codename
    message = desk.inbound(conversation, "Girassol")
    with django_capture_on_commit_callbacks(execute=True):
        later = inbound_received(conversation=conversation, message=message, created=False)
    # then Ana serves it
    assert later == RoutingOutcome("direct", scene.works.pk)
    assert owner_of(conversation) == scene.ana.pk
    # and once taken, the codename means nothing more in that conversation
    again = desk.inbound(conversation, "Girassol")
    assert inbound_received(conversation=conversation, message=again, created=False) is None


@pytest.mark.req("6.5.58.5")
def test_a_supervisors_transfer_frees_a_held_conversation(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    scene = Scene(desk, ana_online=False)
    held, _ = arrive(desk, django_capture_on_commit_callbacks, scene.health, "Girassol")
    supervisor = desk.user(Role.SUPERVISOR)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transfer(
            actor=actor_of(supervisor), conversation=held, to_team_id=scene.health.pk
        )
    assert owner_of(held) == scene.bruno.pk


@pytest.mark.req("6.5.58.5")
def test_codenames_are_unique_in_the_tenant_however_written(
    desk: DeskFactory, tenant_beta: Tenant, make_user: Any
) -> None:
    scene = Scene(desk)
    with pytest.raises(RoutingError) as taken:
        agent_codename_set(actor=ADMIN, user=scene.bruno, codename="  GIRASSÓL ")
    assert taken.value.code == "codename_taken"
    assert AgentCodename.objects.get(user=scene.ana).codename == "Girassol"
    auditor = desk.user(Role.AUDITOR)
    with pytest.raises(RoutingError) as not_agent:
        agent_codename_set(actor=ADMIN, user=auditor, codename="Ipê")
    assert not_agent.value.code == "codename_not_agent"
    # another tenant may use the same word for its own agent; each tenant matches its own
    beta_agent = make_user(tenant_beta, Role.AGENT)
    with schema_context(tenant_beta.schema_name):
        agent_codename_set(actor=ADMIN, user=beta_agent, codename="Girassol")
        match = codename_match("girassol")
        assert match is not None and match.user_id == beta_agent.pk
    match = codename_match("girassol")
    assert match is not None and match.user_id == scene.ana.pk


# --- The admin's screen ------------------------------------------------------------------


@pytest.mark.req("6.5.58.5")
@audits_route("tenant:routing:agent_codename")
def test_the_admin_gives_an_agent_a_codename(
    desk: DeskFactory, alfa: Tenant, client_for: Callable[..., Client]
) -> None:
    agent = desk.agent(desk.team("Obras"), name="Ana Souza")
    admin = desk.user(Role.ADMIN, name="Admin Alfa")
    client = client_for(alfa, admin)
    listing = client.get("/roteamento/atendentes/").content.decode()
    assert f'href="/roteamento/atendentes/{agent.pk}/codinome/"' in listing
    response = client.post(
        f"/roteamento/atendentes/{agent.pk}/codinome/",
        {"codename": " Girassol ", "when_unavailable": "team"},
    )
    assert response.status_code == 302
    row = AgentCodename.objects.get(user=agent)
    assert (row.codename, row.normalized, row.when_unavailable) == ("Girassol", "girassol", "team")
    entry = AuditEntry.objects.filter(action="agent.codename.set").latest("id")
    assert entry.actor_id == admin.pk
    assert entry.after == {"codename": "Girassol", "when_unavailable": "team"}
    assert "Girassol" in client.get("/roteamento/atendentes/").content.decode()
    # a codename someone else has is refused with the reason
    other = desk.agent(desk.team("Saúde"), name="Bruno Lima")
    refused = client.post(
        f"/roteamento/atendentes/{other.pk}/codinome/",
        {"codename": "GIRASSÓL", "when_unavailable": "wait"},
    )
    assert refused.status_code == 200
    assert "Outro atendente já usa este codinome." in refused.content.decode()
    assert not AgentCodename.objects.filter(user=other).exists()
    # an empty codename removes it
    client.post(
        f"/roteamento/atendentes/{agent.pk}/codinome/", {"codename": "", "when_unavailable": "wait"}
    )
    assert not AgentCodename.objects.filter(user=agent).exists()


@pytest.mark.parametrize(
    ("role", "expected"), [(None, 302), (Role.AGENT, 403), (Role.SUPERVISOR, 403)]
)
def test_only_admins_set_codenames(
    desk: DeskFactory,
    alfa: Tenant,
    client_for: Callable[..., Client],
    role: str | None,
    expected: int,
) -> None:
    agent = desk.agent(desk.team("Obras"))
    client = client_for(alfa, desk.user(role) if role else None)
    response = client.post(
        f"/roteamento/atendentes/{agent.pk}/codinome/",
        {"codename": "Girassol", "when_unavailable": "wait"},
    )
    assert response.status_code == expected
    assert not AgentCodename.objects.exists()
    assert not AuditEntry.objects.filter(action="agent.codename.set").exists()


def test_a_user_of_another_tenant_cannot_be_given_a_codename_here(
    desk: DeskFactory, alfa: Tenant, tenant_beta: Tenant, make_user: Any, client_for: Any
) -> None:
    beta_agent: User = make_user(tenant_beta, Role.AGENT)
    client = client_for(alfa, desk.user(Role.ADMIN))
    missing = max(User.objects.values_list("pk", flat=True)) + 1000
    response = client.post(
        f"/roteamento/atendentes/{missing}/codinome/", {"codename": "X", "when_unavailable": "wait"}
    )
    assert response.status_code == 404
    with schema_context(tenant_beta.schema_name):
        assert not AgentCodename.objects.filter(user=beta_agent).exists()


@pytest.mark.req("6.5.58.5")
def test_a_colleague_pulling_from_the_queue_skips_a_conversation_held_for_the_agent(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # given Ana offline, a citizen waiting for her by codename, and Carla free in Ana's team
    scene = Scene(desk, ana_online=False)
    carla = desk.agent(scene.works, name="Carla Dias")
    held, _outcome = arrive(desk, django_capture_on_commit_callbacks, scene.health, "girassol")
    # when Carla pulls from the queue
    with pytest.raises(Conflict) as refused:
        queue_take(actor=actor_of(carla), user=carla)
    # then the held conversation is not hers to take: for her, nobody is waiting
    assert refused.value.code == "queue_empty"
    assert owner_of(held) is None

"""Assignment under real concurrency: many threads, each with its own PostgreSQL connection,
dispatch, route and take from the queue ("puxar da fila") at once. No conversation may reach two agents, no agent may pass their
capacity, and the spread must be even.

Why not `django_db(transaction=True)`: pytest-django ends such a test by flushing every table
of the public schema, the tenants included, which breaks every later transactional test of
the worker. Here the test's own connection stays in pytest-django's rolled-back transaction
and only reads; every write happens in other threads, on their own connections, which commit
for real (in tenant "alfa"), and the rows they made are deleted at the end.
"""

from __future__ import annotations

import threading
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from functools import partial
from typing import Any

import pytest
from django.db import connection
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import _set_role
from channels.models import Channel, ChannelType
from desk.models import Contact, ContactIdentity, Conversation, Team
from desk.services.conversations import _next_conversation_id, protocol_format
from routing.errors import Conflict
from routing.models import (
    AgentState,
    ConversationEvent,
    ConversationRouting,
    RoutingState,
    TeamMembership,
    TeamSettings,
)
from routing.services.agents import agent_login
from routing.services.dispatch import queue_dispatch, queue_take
from routing.services.entry import route_conversation
from security.actors import Actor

SCHEMA = "alfa"
SYSTEM = Actor.command("tests")


class Scenario:
    """Rows committed for one test, deleted in dependency order at the end."""

    def __init__(self, tag: str) -> None:
        self.tag = tag
        self.channel = Channel.objects.create(
            type=ChannelType.WEBCHAT, name=f"Concorrência {tag}", account_id=f"ck_conc_{tag}"
        )
        self.teams: list[Team] = []
        self.users: list[User] = []
        self.conversations: list[Conversation] = []

    def team(self, name: str) -> Team:
        team = Team.objects.create(name=f"{name} {self.tag}")
        TeamSettings.objects.create(team=team, announce_agent=False, queue_notice="off")
        self.teams.append(team)
        return team

    def agent(self, teams: list[Team], capacity: int) -> User:
        user = User.objects.create_user(
            email=f"conc-{self.tag}-{len(self.users)}@alfa.gov.br",
            password=None,
            full_name=f"Agente {len(self.users)}",
        )
        self.users.append(user)
        for team in teams:
            TeamMembership.objects.create(team=team, user=user)
        AgentState.objects.create(user=user, capacity=capacity)
        agent_login(actor=SYSTEM, user=user, teams=[team.pk for team in teams])
        return user

    def conversation(self, team: Team) -> Conversation:
        now = timezone.now()
        number = len(self.conversations)
        contact = Contact.objects.create(name=f"Cidadão {number}", created_at=now)
        identity = ContactIdentity.objects.create(
            contact=contact,
            channel=self.channel,
            external_id=f"{self.tag}-{number}",
            last_inbound_at=now,
            created_at=now,
        )
        conversation_id = _next_conversation_id()
        conversation = Conversation.objects.create(
            id=conversation_id,
            protocol=protocol_format(now, conversation_id),
            contact=contact,
            identity=identity,
            channel=self.channel,
            team=team,
            opened_at=now,
            last_message_at=now,
        )
        self.conversations.append(conversation)
        return conversation

    def waiting(self, team: Team, count: int) -> list[Conversation]:
        """Conversations already in the queue, oldest first (no dispatch triggered)."""
        start = timezone.now() - timedelta(hours=1)
        created = []
        for index in range(count):
            conversation = self.conversation(team)
            ConversationRouting.objects.create(
                conversation=conversation,
                state=RoutingState.WAITING,
                team=team,
                waiting_since=start + timedelta(seconds=index),
                first_queued_at=start,
            )
            created.append(conversation)
        return created

    def delete(self) -> None:
        ids = [conversation.pk for conversation in self.conversations]
        ConversationEvent.objects.filter(conversation_id__in=ids).delete()
        ConversationRouting.objects.filter(conversation_id__in=ids).delete()
        Conversation.objects.filter(pk__in=ids).delete()
        ContactIdentity.objects.filter(channel=self.channel).delete()
        Contact.objects.filter(
            conversations__isnull=True, identities__isnull=True, name__startswith="Cidadão"
        ).delete()
        TeamMembership.objects.filter(user__in=self.users).delete()
        AgentState.objects.filter(user__in=self.users).delete()
        User.objects.filter(pk__in=[user.pk for user in self.users]).delete()
        TeamSettings.objects.filter(team__in=self.teams).delete()
        Team.objects.filter(pk__in=[team.pk for team in self.teams]).delete()
        self.channel.delete()


pytestmark = pytest.mark.django_db


def committed(work: Callable[[], Any]) -> Any:
    """Runs `work` in another thread: its own connection, autocommit, in tenant "alfa"."""
    return run_at_once([work])[0]


@pytest.fixture
def scenario(alfa: Any, request: Any) -> Iterator[Scenario]:
    built: Scenario = committed(lambda: Scenario(request.node.name[-12:].replace("_", "")))
    try:
        yield built
    finally:
        committed(built.delete)


def run_at_once(jobs: list[Callable[[], Any]]) -> list[Any]:
    """Runs every job in its own thread (own database connection), all released together."""
    barrier = threading.Barrier(len(jobs))
    results: list[Any] = [None] * len(jobs)
    errors: list[BaseException] = []

    def run(index: int, job: Callable[[], Any]) -> None:
        try:
            barrier.wait(timeout=30)
            with schema_context(SCHEMA):
                results[index] = job()
        except BaseException as error:  # reported to the test below
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(i, job)) for i, job in enumerate(jobs)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert not errors, errors
    return results


def owners(conversations: list[Conversation]) -> dict[int, int | None]:
    return dict(
        ConversationRouting.objects.filter(pk__in=[c.pk for c in conversations]).values_list(
            "conversation_id", "agent_id"
        )
    )


def assigned_events(conversations: list[Conversation]) -> Counter[int]:
    return Counter(
        ConversationEvent.objects.filter(
            conversation_id__in=[c.pk for c in conversations], kind="assigned"
        ).values_list("conversation_id", flat=True)
    )


def test_concurrent_dispatchers_never_double_assign_and_spread_evenly(
    scenario: Scenario,
) -> None:
    # Given 60 waiting conversations and 6 available agents with room for all of them
    team = committed(lambda: scenario.team("Fila"))
    agents = committed(lambda: [scenario.agent([team], capacity=20) for _ in range(6)])
    conversations = committed(lambda: scenario.waiting(team, 60))
    # When 12 dispatchers of the team run at the same moment
    results = run_at_once([lambda: queue_dispatch(team.pk) for _ in range(12)])
    # Then every conversation was assigned exactly once, by exactly one dispatcher…
    handed = [pair for result in results for pair in result]
    assert sorted(conversation for conversation, _agent in handed) == sorted(
        c.pk for c in conversations
    )
    assert set(assigned_events(conversations).values()) == {1}
    assert dict(owners(conversations)) == dict(handed)
    # …and each agent got exactly 10
    assert Counter(owners(conversations).values()) == {agent.pk: 10 for agent in agents}


def test_concurrent_arrivals_respect_capacity_and_an_agent_shared_by_two_teams(
    scenario: Scenario,
) -> None:
    # Given two teams; three agents in each and one agent in both; capacity 4 each
    first, second = committed(lambda: (scenario.team("Primeira"), scenario.team("Segunda")))
    only_first = committed(lambda: [scenario.agent([first], capacity=4) for _ in range(3)])
    only_second = committed(lambda: [scenario.agent([second], capacity=4) for _ in range(3)])
    shared = committed(lambda: scenario.agent([first, second], capacity=4))
    # And 24 new conversations in each team arriving at once (route, then dispatch on commit)
    arriving = committed(
        lambda: (
            [scenario.conversation(first) for _ in range(24)]
            + [scenario.conversation(second) for _ in range(24)]
        )
    )
    jobs: list[Callable[[], Any]] = [partial(route_conversation, c) for c in arriving]
    jobs += [lambda: queue_dispatch(first.pk), lambda: queue_dispatch(second.pk)]
    run_at_once(jobs)
    # Then the 28 seats (7 agents x 4) are all taken, nobody beyond capacity…
    load = Counter(agent for agent in owners(arriving).values() if agent is not None)
    assert load == {agent.pk: 4 for agent in [*only_first, *only_second, shared]}
    # …no conversation was assigned twice, and the other 20 wait in their own team's queue
    assert set(assigned_events(arriving).values()) == {1}
    waiting = ConversationRouting.objects.filter(
        pk__in=[c.pk for c in arriving], state=RoutingState.WAITING
    )
    assert waiting.count() == 48 - 28
    for routing in waiting.select_related("conversation"):
        assert routing.team_id == routing.conversation.team_id


def _take(user: User) -> int | str:
    """One agent presses "Puxar da fila": the conversation taken, or the refusal's code."""
    try:
        # "command": no audit entry is committed here (these rows outlive the test).
        routing = queue_take(
            actor=Actor(user_id=user.pk, label=user.email, via="command"), user=user
        )
    except Conflict as refused:
        return refused.code
    return routing.conversation_id


def _serving(scenario: Scenario, teams: list[Team], capacity: int, count: int) -> list[User]:
    agents = [scenario.agent(teams, capacity=capacity) for _ in range(count)]
    for agent in agents:
        _set_role(agent, Role.AGENT)
    return agents


def test_agents_taking_at_once_get_different_conversations_the_oldest_first(
    scenario: Scenario,
) -> None:
    # Given 12 waiting conversations and 8 agents with room for one each
    team = committed(lambda: scenario.team("Puxar"))
    agents = committed(lambda: _serving(scenario, [team], capacity=1, count=8))
    conversations = committed(lambda: scenario.waiting(team, 12))
    # When all 8 take from the queue at the same moment
    taken = run_at_once([partial(_take, agent) for agent in agents])
    # Then each got a different conversation: the 8 longest waiting, each assigned once
    assert sorted(taken) == sorted(c.pk for c in conversations[:8])
    assert set(assigned_events(conversations).values()) == {1}
    assert owners(conversations) == {
        **{conversation: agent.pk for conversation, agent in zip(taken, agents, strict=True)},
        **{c.pk: None for c in conversations[8:]},
    }


def test_taking_races_the_dispatcher_without_double_assignment_or_overflowing_capacity(
    scenario: Scenario,
) -> None:
    # Given 4 agents with room for 3 each (12 seats) and 20 waiting conversations
    team = committed(lambda: scenario.team("Corrida"))
    agents = committed(lambda: _serving(scenario, [team], capacity=3, count=4))
    conversations = committed(lambda: scenario.waiting(team, 20))
    # When every agent takes three times while two dispatchers run, all at once
    jobs: list[Callable[[], Any]] = [partial(_take, agent) for agent in agents for _ in range(3)]
    jobs += [lambda: queue_dispatch(team.pk), lambda: queue_dispatch(team.pk)]
    results = run_at_once(jobs)
    # Then the 12 seats are filled, nobody beyond 3, nothing assigned twice, and the rest wait
    load = Counter(agent for agent in owners(conversations).values() if agent is not None)
    assert load == {agent.pk: 3 for agent in agents}
    assert set(assigned_events(conversations).values()) == {1}
    assert sorted(c for c, agent in owners(conversations).items() if agent is not None) == sorted(
        c.pk for c in conversations[:12]
    )
    refusals = [result for result in results[:12] if isinstance(result, str)]
    assert set(refusals) <= {"agent_full"}

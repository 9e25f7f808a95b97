"""The fair queue: longest waiting first, to the least busy available agent, within capacity;
overflow (6.5.37.2); pauses (6.5.58.13, 6.5.58.14); the agent's name (6.5.16)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from routing.errors import Conflict, RoutingError
from routing.models import (
    AgentStatus,
    ConversationEvent,
    ConversationRouting,
    OverflowAction,
    PauseReason,
    QueueNotice,
    RoutingState,
)
from routing.services.agents import agent_available, agent_login, agent_logout, agent_pause
from routing.services.entry import pause_auto_reply, route_conversation
from routing.services.lifecycle import conversation_close
from tests.routing.conftest import DeskFactory, actor_of, event_kinds, outbound_texts

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]


def owner_of(conversation: Any) -> int | None:
    return ConversationRouting.objects.get(pk=conversation.pk).agent_id


def route_all(commit: Commit, conversations: list[Any]) -> None:
    start = timezone.now() - timedelta(minutes=len(conversations))
    for index, conversation in enumerate(conversations):
        with commit(execute=True):
            route_conversation(conversation, now=start + timedelta(seconds=index))


def test_longest_waiting_goes_to_the_least_busy_agent(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given three waiting conversations and, then, two agents who log in
    team = desk.team()
    conversations = [desk.conversation(team) for _ in range(3)]
    route_all(django_capture_on_commit_callbacks, conversations)
    assert [owner_of(c) for c in conversations] == [None, None, None]
    ana = desk.agent(team, name="Ana Souza", login=False)
    bruno = desk.agent(team, name="Bruno Lima", login=False)
    # When Ana logs in, then Bruno
    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(ana), user=ana, teams=[team.pk])
    # Then Ana (the only one) gets every conversation up to her capacity of 3…
    assert [owner_of(c) for c in conversations] == [ana.pk, ana.pk, ana.pk]
    # …and the next conversation goes to Bruno, the least busy
    fourth = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(bruno), user=bruno, teams=[team.pk])
        route_conversation(fourth)
    assert owner_of(fourth) == bruno.pk


def test_ties_go_to_whoever_was_assigned_longest_ago(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    ana = desk.agent(team, name="Ana Souza", capacity=5)
    bruno = desk.agent(team, name="Bruno Lima", capacity=5)
    conversations = [desk.conversation(team) for _ in range(4)]
    route_all(django_capture_on_commit_callbacks, conversations)
    owners = [owner_of(c) for c in conversations]
    # Alternating: the oldest conversation first, to equal loads in turn
    assert owners == [ana.pk, bruno.pk, ana.pk, bruno.pk]


@pytest.mark.req("6.5.37.6")
def test_only_allowed_members_log_into_a_team(desk: DeskFactory) -> None:
    team, other = desk.team(), desk.team()
    agent = desk.agent(team, login=False)
    with pytest.raises(RoutingError) as refused:
        agent_login(actor=actor_of(agent), user=agent, teams=[other.pk])
    assert refused.value.code == "not_a_member"
    state = agent_login(actor=actor_of(agent), user=agent, teams=[team.pk])
    assert state.status == AgentStatus.AVAILABLE


def test_capacity_limits_and_the_queue_moves_when_capacity_frees(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given one agent with capacity 2 and three conversations
    team = desk.team()
    agent = desk.agent(team, capacity=2)
    first, second, third = (desk.conversation(team) for _ in range(3))
    route_all(django_capture_on_commit_callbacks, [first, second, third])
    # Then two are assigned and the third waits
    assert [owner_of(c) for c in (first, second, third)] == [agent.pk, agent.pk, None]
    # When the agent closes one
    with django_capture_on_commit_callbacks(execute=True):
        conversation_close(actor=actor_of(agent), conversation=first)
    # Then the waiting one is assigned at once
    assert owner_of(third) == agent.pk
    assert event_kinds(third) == ["queued", "assigned"]


@pytest.mark.req("6.5.37.2")
def test_no_agent_available_the_conversation_waits_silently(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(overflow_action=OverflowAction.NONE)
    desk.agent(team, login=False)  # allowed but not logged in
    conversation = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = route_conversation(conversation)
    assert (outcome.result, outcome.team_id) == ("queued", team.pk)
    assert owner_of(conversation) is None
    assert outbound_texts(conversation) == []


@pytest.mark.req("6.5.37.2")
def test_no_agent_available_the_overflow_message_is_sent(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(
        overflow_action=OverflowAction.MESSAGE,
        overflow_message="Todos os atendentes estão ocupados.",
        queue_notice=QueueNotice.POSITION,
    )
    conversation = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = route_conversation(conversation)
    assert outcome.notices == ("overflow",)
    # The overflow message replaces the position notice: one message, not two
    assert outbound_texts(conversation) == ["Todos os atendentes estão ocupados."]
    assert event_kinds(conversation) == ["overflowed", "queued"]


@pytest.mark.req("6.5.37.2")
def test_overflow_team_serves_when_nobody_in_the_team_is_available(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    backup = desk.team("Reserva")
    backup_agent = desk.agent(backup)
    team = desk.team("Tributos", overflow_action=OverflowAction.TEAM, overflow_team=backup)
    paused = desk.agent(team)
    agent_pause(
        actor=actor_of(paused), user=paused, reason=PauseReason.objects.create(name="Almoço")
    )
    conversation = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = route_conversation(conversation)
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    assert outcome.team_id == backup.pk
    assert (routing.team_id, routing.agent_id) == (backup.pk, backup_agent.pk)
    event = ConversationEvent.objects.get(conversation=conversation, kind="overflowed")
    assert (event.from_team_id, event.team_id) == (team.pk, backup.pk)


@pytest.mark.req("6.5.37.2")
def test_a_full_team_is_not_overflowed_its_conversations_wait(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    backup = desk.team("Reserva")
    desk.agent(backup)
    team = desk.team(overflow_action=OverflowAction.TEAM, overflow_team=backup)
    busy = desk.agent(team, capacity=1)
    first, second = desk.conversation(team), desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [first, second])
    assert (owner_of(first), owner_of(second)) == (busy.pk, None)
    assert ConversationRouting.objects.get(pk=second.pk).team_id == team.pk


def test_overflow_cycles_stop(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    first = desk.team("A")
    second = desk.team("B", overflow_action=OverflowAction.TEAM, overflow_team=first)
    first.routing_settings.overflow_action = OverflowAction.TEAM
    first.routing_settings.overflow_team = second
    first.routing_settings.save()
    conversation = desk.conversation(first)
    with django_capture_on_commit_callbacks(execute=True):
        outcome = route_conversation(conversation)
    assert outcome.team_id == second.pk
    assert event_kinds(conversation) == ["overflowed", "queued"]


@pytest.mark.req("6.5.58.13")
def test_pause_keeps_current_conversations_and_stops_new_ones(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given Ana serving one conversation
    team = desk.team()
    ana = desk.agent(team, name="Ana Souza")
    current = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [current])
    assert owner_of(current) == ana.pk
    # When she pauses for lunch and a new conversation arrives
    lunch = PauseReason.objects.create(name="Almoço")
    with django_capture_on_commit_callbacks(execute=True):
        state = agent_pause(actor=actor_of(ana), user=ana, reason=lunch)
    newcomer = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [newcomer])
    # Then she keeps the current one and does not get the new one
    assert state.status == AgentStatus.PAUSED
    assert owner_of(current) == ana.pk
    assert owner_of(newcomer) is None
    assert event_kinds(current) == ["queued", "assigned", "paused"]
    # When she comes back, the queue moves to her
    with django_capture_on_commit_callbacks(execute=True):
        agent_available(actor=actor_of(ana), user=ana)
    assert owner_of(newcomer) == ana.pk
    assert event_kinds(current)[-1] == "resumed"


def test_pausing_twice_or_offline_is_refused(desk: DeskFactory) -> None:
    team = desk.team()
    agent = desk.agent(team)
    reason = PauseReason.objects.create(name="Reunião")
    agent_pause(actor=actor_of(agent), user=agent, reason=reason)
    with pytest.raises(Conflict) as twice:
        agent_pause(actor=actor_of(agent), user=agent, reason=reason)
    assert twice.value.code == "already_paused"
    offline = desk.agent(team, login=False)
    with pytest.raises(Conflict) as not_in:
        agent_pause(actor=actor_of(offline), user=offline, reason=reason)
    assert not_in.value.code == "agent_offline"


@pytest.mark.req("6.5.58.14")
def test_citizen_writing_to_a_paused_agent_gets_the_reason_message_once(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    ana = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [conversation])
    reason = PauseReason.objects.create(
        name="Treinamento", auto_reply="{agente} está em treinamento e já volta."
    )
    agent_pause(actor=actor_of(ana), user=ana, reason=reason)
    desk.inbound(conversation, "Alô?")
    assert pause_auto_reply(conversation) is True
    desk.inbound(conversation, "Tem alguém aí?")
    assert pause_auto_reply(conversation) is False
    assert outbound_texts(conversation) == ["Ana está em treinamento e já volta."]


def test_logout_returns_conversations_to_the_queue_ahead_of_newer_ones(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    leaving = desk.agent(team, capacity=1)
    older = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [older])
    newer = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [newer])
    with django_capture_on_commit_callbacks(execute=True):
        agent_logout(actor=actor_of(leaving), user=leaving)
    staying = desk.agent(team, capacity=1, login=False)
    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(staying), user=staying, teams=[team.pk])
    assert owner_of(older) == staying.pk
    assert owner_of(newer) is None
    assert event_kinds(older) == ["queued", "assigned", "requeued", "assigned"]


@pytest.mark.req("6.5.16")
def test_the_citizen_is_told_the_name_of_the_agent_who_takes_it(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(
        announce_agent=True, announce_message="Você está falando com {agente}, da {equipe}."
    )
    team.name = "Secretaria de Saúde"
    team.save()
    desk.agent(team, name="Marina Costa")
    conversation = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [conversation])
    assert outbound_texts(conversation) == ["Você está falando com Marina, da Secretaria de Saúde."]


def test_waiting_citizens_are_told_their_position_and_estimate(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(
        queue_notice=QueueNotice.ESTIMATE,
        average_handling_minutes=6,
        queue_estimate_message="Posição {posicao}, cerca de {minutos} min.",
    )
    conversations = [desk.conversation(team) for _ in range(3)]
    route_all(django_capture_on_commit_callbacks, conversations)
    # Nobody available: the estimate counts one slot
    assert [outbound_texts(c) for c in conversations] == [
        ["Posição 1, cerca de 6 min."],
        ["Posição 2, cerca de 12 min."],
        ["Posição 3, cerca de 18 min."],
    ]


def test_position_notice_counts_only_the_same_team(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    other = desk.team()
    route_all(django_capture_on_commit_callbacks, [desk.conversation(other)])
    team = desk.team(
        queue_notice=QueueNotice.POSITION, queue_notice_message="Você é o {posicao}º da fila."
    )
    conversation = desk.conversation(team)
    route_all(django_capture_on_commit_callbacks, [conversation])
    assert outbound_texts(conversation) == ["Você é o 1º da fila."]
    assert ConversationRouting.objects.get(pk=conversation.pk).state == RoutingState.WAITING

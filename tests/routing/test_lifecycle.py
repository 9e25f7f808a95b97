"""Transfers (6.5.58.8), invitations (6.5.58.7), closing with a disposition (6.5.29,
6.5.37.7, 6.5.58.16), the survey (6.5.32), the inactivity timeout (6.5.37.5), reopening,
and the event log TME/TMA are computed from."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone

from accounts.roles import Role
from desk.models import Conversation
from routing.errors import Conflict, NotAllowed, RoutingError
from routing.models import (
    ConversationEvent,
    ConversationParticipant,
    ConversationRouting,
    Disposition,
    PauseReason,
    RoutingState,
    SurveyRequest,
    SurveyStatus,
)
from routing.services.agents import agent_pause
from routing.services.entry import route_conversation
from routing.services.lifecycle import (
    conversation_assign,
    conversation_close,
    conversation_invite,
    conversation_leave,
    conversation_reopen,
    conversation_transfer,
    inactivity_sweep,
)
from routing.services.replies import agent_message_send
from routing.services.surveys import (
    survey_answer_conversation,
    survey_expire_due,
    survey_score_parse,
)
from security.models import AuditEntry
from tests.routing.conftest import DeskFactory, actor_of, event_kinds, outbound_texts

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]


def routed(desk: DeskFactory, commit: Commit, team: Any, **kwargs: Any) -> Conversation:
    conversation = desk.conversation(team, **kwargs)
    with commit(execute=True):
        route_conversation(conversation)
    return conversation


def routing_of(conversation: Conversation) -> ConversationRouting:
    return ConversationRouting.objects.get(pk=conversation.pk)


@pytest.mark.req("6.5.58.8")
def test_transfer_to_an_agent_with_a_note(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(announce_agent=True, announce_message="Agora é {agente}.")
    ana = desk.agent(team, name="Ana Souza")
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    bruno = desk.agent(team, name="Bruno Lima")
    # When Ana transfers to Bruno with a note
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transfer(
            actor=actor_of(ana),
            conversation=conversation,
            to_agent=bruno,
            note="Cidadão quer parcelar o IPTU",
        )
    # Then Bruno owns it, the note is in the log, and the citizen is told who took over
    routing = routing_of(conversation)
    assert (routing.state, routing.agent_id) == (RoutingState.ASSIGNED, bruno.pk)
    event = ConversationEvent.objects.get(conversation=conversation, kind="transferred")
    assert (event.from_agent_id, event.agent_id, event.note) == (
        ana.pk,
        bruno.pk,
        "Cidadão quer parcelar o IPTU",
    )
    assert outbound_texts(conversation) == ["Agora é Ana.", "Agora é Bruno."]
    assert (
        AuditEntry.objects.filter(
            action="conversation.transfer", object_id=str(conversation.pk)
        ).count()
        == 1
    )


@pytest.mark.req("6.5.58.8")
def test_transfer_to_a_team_queues_it_there(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team, other = desk.team("Tributos"), desk.team("Saúde")
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_transfer(
            actor=actor_of(ana),
            conversation=conversation,
            to_team_id=other.pk,
            note="Assunto da saúde",
        )
    routing = routing_of(conversation)
    conversation.refresh_from_db()
    assert (routing.state, routing.team_id, routing.agent_id) == (
        RoutingState.WAITING,
        other.pk,
        None,
    )
    assert (conversation.status, conversation.team_id) == ("queued", other.pk)
    # When someone of the other team becomes available, it is theirs
    carla = desk.agent(other, login=False)
    from routing.services.agents import agent_login

    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(carla), user=carla, teams=[other.pk])
    assert routing_of(conversation).agent_id == carla.pk
    assert event_kinds(conversation) == ["queued", "assigned", "transferred", "assigned"]


@pytest.mark.req("6.5.23.14")
def test_transfer_to_a_team_that_does_not_serve_the_channel_is_refused(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    other_channel = desk.channel(name="Outro chat")
    whatsapp_only = desk.team("Só outro canal", channels=[other_channel])
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    with pytest.raises(RoutingError) as refused:
        conversation_transfer(
            actor=actor_of(ana), conversation=conversation, to_team_id=whatsapp_only.pk
        )
    assert refused.value.code == "team_wrong_channel"
    assert routing_of(conversation).agent_id == ana.pk


def test_transfer_to_a_paused_or_full_agent_is_refused(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    ana = desk.agent(team, capacity=1)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    paused = desk.agent(team)
    agent_pause(actor=actor_of(paused), user=paused, reason=PauseReason.objects.create(name="Café"))
    with pytest.raises(Conflict) as refused:
        conversation_transfer(actor=actor_of(ana), conversation=conversation, to_agent=paused)
    assert refused.value.code == "agent_paused"
    full = desk.agent(team, capacity=1)
    routed(desk, django_capture_on_commit_callbacks, team)  # goes to `full`
    with pytest.raises(Conflict) as refused_full:
        conversation_transfer(actor=actor_of(ana), conversation=conversation, to_agent=full)
    assert refused_full.value.code == "agent_full"


def test_only_the_owner_or_a_supervisor_transfers(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    stranger = desk.agent(team)
    supervisor = desk.user(Role.SUPERVISOR)
    with pytest.raises(NotAllowed):
        conversation_transfer(
            actor=actor_of(stranger), conversation=conversation, to_agent=stranger
        )
    conversation_transfer(actor=actor_of(supervisor), conversation=conversation, to_agent=stranger)
    assert routing_of(conversation).agent_id == stranger.pk


@pytest.mark.req("6.5.58.7")
def test_invite_another_agent_who_may_then_write_and_leave(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(agent_name_on_messages=True)
    ana = desk.agent(team, name="Ana Souza")
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    expert = desk.agent(team, name="Davi Rocha")
    # When Ana invites Davi
    conversation_invite(actor=actor_of(ana), conversation=conversation, agent=expert)
    # Then Davi writes (his name on the message), Ana still owns it, his load is unchanged
    agent_message_send(
        actor=actor_of(expert), conversation=conversation, text="Posso ajudar com isso."
    )
    assert routing_of(conversation).agent_id == ana.pk
    assert outbound_texts(conversation) == ["Davi:\nPosso ajudar com isso."]
    with pytest.raises(Conflict) as twice:
        conversation_invite(actor=actor_of(ana), conversation=conversation, agent=expert)
    assert twice.value.code == "already_participant"
    # When he leaves, he can no longer write
    conversation_leave(actor=actor_of(expert), conversation=conversation)
    with pytest.raises(NotAllowed):
        agent_message_send(actor=actor_of(expert), conversation=conversation, text="Oi")
    assert event_kinds(conversation) == ["queued", "assigned", "invited", "left"]


@pytest.mark.req("6.5.58.7")
def test_an_offline_agent_cannot_be_invited(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    offline = desk.agent(team, login=False)
    with pytest.raises(Conflict) as refused:
        conversation_invite(actor=actor_of(ana), conversation=conversation, agent=offline)
    assert refused.value.code == "agent_offline"
    assert ConversationParticipant.objects.filter(conversation=conversation).count() == 0


@pytest.mark.req("6.5.29")
@pytest.mark.req("6.5.37.7")
@pytest.mark.req("6.5.58.16")
def test_close_with_a_disposition_sends_the_closing_message(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(
        disposition_required=True, closing_message="Encerrado. Protocolo {protocolo}. Até logo!"
    )
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    iptu = Disposition.objects.create(name="Segunda via de IPTU")
    # Without a disposition it is refused and nothing changes
    with pytest.raises(RoutingError) as refused:
        conversation_close(actor=actor_of(ana), conversation=conversation)
    assert refused.value.code == "disposition_required"
    assert routing_of(conversation).state == RoutingState.ASSIGNED
    # With one it closes
    conversation_close(
        actor=actor_of(ana), conversation=conversation, disposition=iptu, note="Boleto enviado"
    )
    routing = routing_of(conversation)
    conversation.refresh_from_db()
    assert (routing.state, routing.disposition_id, routing.closing_note) == (
        RoutingState.CLOSED,
        iptu.pk,
        "Boleto enviado",
    )
    assert conversation.status == "closed" and conversation.closed_at is not None
    assert outbound_texts(conversation) == [
        f"Encerrado. Protocolo {conversation.protocol}. Até logo!"
    ]
    closed = ConversationEvent.objects.get(conversation=conversation, kind="closed")
    assert (closed.from_agent_id, closed.agent_id, closed.data["disposition"]) == (
        ana.pk,
        None,
        "Segunda via de IPTU",
    )
    with pytest.raises(Conflict):
        conversation_close(actor=actor_of(ana), conversation=conversation, disposition=iptu)


@pytest.mark.req("6.5.29")
def test_a_disposition_of_another_team_is_refused(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team, other = desk.team(), desk.team()
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    elsewhere = Disposition.objects.create(name="Vacinação")
    elsewhere.teams.set([other])
    with pytest.raises(RoutingError) as refused:
        conversation_close(actor=actor_of(ana), conversation=conversation, disposition=elsewhere)
    assert refused.value.code == "disposition_wrong_team"


@pytest.mark.req("6.5.32")
def test_survey_is_stored_against_the_agent_who_served_last_after_a_transfer(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given Ana serves, transfers to Bruno, and Bruno closes
    team = desk.team(
        survey_enabled=True,
        closing_message="",
        survey_message="Dê uma nota de 1 a 5 para {agente}.",
    )
    ana = desk.agent(team, name="Ana Souza")
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    bruno = desk.agent(team, name="Bruno Lima")
    conversation_transfer(actor=actor_of(ana), conversation=conversation, to_agent=bruno)
    conversation_close(actor=actor_of(bruno), conversation=conversation)
    assert outbound_texts(conversation) == ["Dê uma nota de 1 a 5 para Bruno."]
    # When the citizen answers "5" (no other conversation open)
    answered = survey_answer_conversation(identity=conversation.identity, text="5")
    # Then the score is Bruno's, not Ana's
    survey = SurveyRequest.objects.get(conversation=conversation)
    assert answered == conversation
    assert (survey.agent_id, survey.score, survey.status) == (bruno.pk, 5, SurveyStatus.ANSWERED)
    assert event_kinds(conversation)[-1] == "survey_answered"
    # And a second answer is not taken
    assert survey_answer_conversation(identity=conversation.identity, text="1") is None


@pytest.mark.req("6.5.32")
def test_survey_after_transfer_to_a_team_rates_the_last_agent_when_closed_waiting(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team, other = desk.team(survey_enabled=True), desk.team(survey_enabled=True)
    ana = desk.agent(team, name="Ana Souza")
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    conversation_transfer(actor=actor_of(ana), conversation=conversation, to_team_id=other.pk)
    supervisor = desk.user(Role.SUPERVISOR)
    conversation_close(actor=actor_of(supervisor), conversation=conversation)
    assert SurveyRequest.objects.get(conversation=conversation).agent_id == ana.pk


@pytest.mark.req("6.5.32")
def test_survey_expires_and_late_or_non_score_answers_open_nothing(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(survey_enabled=True, survey_expiry_minutes=30)
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    conversation_close(actor=actor_of(ana), conversation=conversation)
    survey = SurveyRequest.objects.get(conversation=conversation)
    assert (
        survey_answer_conversation(identity=conversation.identity, text="quero outra coisa") is None
    )
    late = survey.sent_at + timedelta(minutes=30)
    assert survey_answer_conversation(identity=conversation.identity, text="4", now=late) is None
    survey.refresh_from_db()
    assert (survey.status, survey.score) == (SurveyStatus.EXPIRED, None)


def test_survey_expiry_sweep(desk: DeskFactory, django_capture_on_commit_callbacks: Commit) -> None:
    team = desk.team(survey_enabled=True, survey_expiry_minutes=10)
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    conversation_close(actor=actor_of(ana), conversation=conversation)
    survey = SurveyRequest.objects.get(conversation=conversation)
    assert survey_expire_due(now=survey.sent_at + timedelta(minutes=9, seconds=59)) == 0
    assert survey_expire_due(now=survey.sent_at + timedelta(minutes=10)) == 1
    survey.refresh_from_db()
    assert survey.status == SurveyStatus.EXPIRED


@pytest.mark.parametrize(
    ("text", "score"),
    [
        ("5", 5),
        (" 3 ", 3),
        ("nota 4", 4),
        ("2 estrelas", 2),
        ("1/5", 1),
        ("5️⃣", 5),
        ("5!", 5),
        ("6", None),
        ("0", None),
        ("55", None),
        ("obrigado", None),
        ("", None),
    ],
)
def test_survey_score_parse(text: str, score: int | None) -> None:
    assert survey_score_parse(text) == score


@pytest.mark.req("6.5.37.5")
def test_inactivity_timeout_closes_with_the_custom_message(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given a 10-minute timeout and an agent's question the citizen never answers
    team = desk.team(
        inactivity_timeout_minutes=10,
        inactivity_message="Encerrado por falta de resposta ({protocolo}).",
    )
    ana = desk.agent(team)
    quiet = routed(desk, django_capture_on_commit_callbacks, team)
    agent_message_send(actor=actor_of(ana), conversation=quiet, text="Qual é o seu CPF?")
    asked_at = quiet.messages.latest("created_at").created_at
    # And another conversation where the citizen spoke last (the agent owes the answer)
    waiting_agent = routed(desk, django_capture_on_commit_callbacks, team)
    # When the sweep runs one second before the limit, nothing happens
    assert inactivity_sweep(now=asked_at + timedelta(minutes=9, seconds=59)) == 0
    # When it runs at the limit, only the quiet citizen's conversation closes
    with django_capture_on_commit_callbacks(execute=True):
        assert inactivity_sweep(now=asked_at + timedelta(minutes=10)) == 1
    routing = routing_of(quiet)
    assert (routing.state, routing.close_reason) == (RoutingState.CLOSED, "inactivity")
    assert outbound_texts(quiet)[-1] == f"Encerrado por falta de resposta ({quiet.protocol})."
    assert event_kinds(quiet)[-1] == "timed_out"
    assert routing_of(waiting_agent).state == RoutingState.ASSIGNED
    assert not SurveyRequest.objects.filter(conversation=quiet).exists()


@pytest.mark.req("6.5.44.6")
def test_supervisor_moves_a_waiting_conversation_to_an_available_agent(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    busy = desk.agent(team, capacity=1)
    routed(desk, django_capture_on_commit_callbacks, team)
    waiting = routed(desk, django_capture_on_commit_callbacks, team)
    assert routing_of(waiting).agent_id is None
    helper = desk.agent(desk.team(), name="Edu Reis")
    supervisor = desk.user(Role.SUPERVISOR)
    with pytest.raises(NotAllowed):
        conversation_assign(actor=actor_of(busy), conversation=waiting, agent=helper)
    with pytest.raises(Conflict) as full:
        conversation_assign(actor=actor_of(supervisor), conversation=waiting, agent=busy)
    assert full.value.code == "agent_full"
    conversation_assign(actor=actor_of(supervisor), conversation=waiting, agent=helper)
    event = ConversationEvent.objects.filter(conversation=waiting).latest("id")
    assert (event.kind, event.agent_id, event.actor_id, event.reason) == (
        "assigned",
        helper.pk,
        supervisor.pk,
        "supervisor",
    )


def test_reopen_puts_it_back_in_the_queue(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(survey_enabled=True)
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    conversation_close(actor=actor_of(ana), conversation=conversation)
    with django_capture_on_commit_callbacks(execute=True):
        conversation_reopen(actor=actor_of(ana), conversation=conversation)
    conversation.refresh_from_db()
    assert conversation.status == "open"
    assert routing_of(conversation).agent_id == ana.pk
    assert SurveyRequest.objects.get(conversation=conversation).status == SurveyStatus.CANCELLED
    assert event_kinds(conversation) == ["queued", "assigned", "closed", "reopened", "assigned"]


def test_every_state_change_carries_time_actor_and_the_state_after(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    """The log TME and TMA are computed from (docs/adr/0060): waiting from `queued` to
    `assigned`, handling from `assigned` to `closed`, read off consecutive events."""
    team = desk.team()
    ana = desk.agent(team, name="Ana Souza", login=False)
    conversation = desk.conversation(team)
    start = timezone.now() - timedelta(minutes=30)
    with django_capture_on_commit_callbacks(execute=True):
        route_conversation(conversation, now=start)
    from routing.services.agents import agent_login

    with django_capture_on_commit_callbacks(execute=True):
        agent_login(actor=actor_of(ana), user=ana, teams=[team.pk])
    conversation_close(
        actor=actor_of(ana), conversation=conversation, now=timezone.now() + timedelta(minutes=12)
    )
    events = list(ConversationEvent.objects.filter(conversation=conversation))
    assert [(e.kind, e.state, e.agent_id) for e in events] == [
        ("queued", "waiting", None),
        ("assigned", "assigned", ana.pk),
        ("closed", "closed", None),
    ]
    assert [e.actor_label for e in events] == ["roteamento", "distribuição automática", ana.email]
    waited = events[1].at - events[0].at
    handled = events[2].at - events[1].at
    assert timedelta(minutes=29) < waited < timedelta(minutes=31)
    assert timedelta(minutes=11) < handled < timedelta(minutes=13)
    with pytest.raises(TypeError):
        ConversationEvent.objects.filter(conversation=conversation).update(note="x")
    events[0].note = "alterado"
    with pytest.raises(TypeError):
        events[0].save()


@pytest.mark.req("6.5.31")
def test_the_agent_name_is_shown_on_their_messages(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    from routing.services.replies import with_agent_name

    team = desk.team(agent_name_on_messages=True)
    ana = desk.agent(team, name="Ana Souza")
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    message = agent_message_send(
        actor=actor_of(ana), conversation=conversation, text="  Bom dia!  "
    )
    assert (message.text, message.sender_name) == ("Ana:\nBom dia!", "Ana Souza")
    assert with_agent_name("whatsapp", "Ana", "Bom dia!") == "*Ana:*\nBom dia!"
    # Switched off, the text goes as written
    team.routing_settings.agent_name_on_messages = False
    team.routing_settings.save()
    plain = agent_message_send(actor=actor_of(ana), conversation=conversation, text="Até já")
    assert plain.text == "Até já"


def test_beat_sweeps_run_from_the_public_schema_in_every_tenant(
    desk: DeskFactory, tenant_beta: Any, django_capture_on_commit_callbacks: Commit
) -> None:
    """A lost dispatch trigger and a due timeout are found by the beat tasks, which start in
    the public schema and enter each tenant; nothing appears in the other tenant."""
    from django.db import connection
    from django_tenants.utils import schema_context

    from routing.services import sweeps

    team = desk.team(inactivity_timeout_minutes=5)
    conversation = desk.conversation(team)
    route_conversation(conversation)  # no commit: its dispatch never ran
    agent = desk.agent(team, name="Ana Souza")  # logged in, no dispatch either
    assert routing_of(conversation).agent_id is None
    connection.set_schema_to_public()  # type: ignore[attr-defined]
    assert sweeps.queue_sweep() == 1
    with schema_context(desk.tenant.schema_name):
        assert routing_of(conversation).agent_id == agent.pk
        agent_message_send(actor=actor_of(agent), conversation=conversation, text="Seu CPF?")
    later = timezone.now() + timedelta(minutes=5)
    assert sweeps.inactivity_sweep_all_tenants(now=later) == 1
    assert sweeps.survey_expire_all_tenants(now=later) == 0
    with schema_context(desk.tenant.schema_name):
        assert routing_of(conversation).state == RoutingState.CLOSED
    with schema_context(tenant_beta.schema_name):
        assert ConversationRouting.objects.count() == 0
        assert ConversationEvent.objects.count() == 0


def test_reopen_is_refused_when_the_citizen_has_another_open_conversation(
    desk: DeskFactory, django_capture_on_commit_callbacks: Commit
) -> None:
    from desk.services.conversations import _next_conversation_id, protocol_format

    team = desk.team()
    ana = desk.agent(team)
    conversation = routed(desk, django_capture_on_commit_callbacks, team)
    conversation_close(actor=actor_of(ana), conversation=conversation)
    now = timezone.now()
    new_id = _next_conversation_id()
    Conversation.objects.create(
        id=new_id,
        protocol=protocol_format(now, new_id),
        contact_id=conversation.contact_id,
        identity_id=conversation.identity_id,
        channel_id=conversation.channel_id,
        team=team,
        opened_at=now,
        last_message_at=now,
    )
    with pytest.raises(Conflict) as refused:
        conversation_reopen(actor=actor_of(ana), conversation=conversation)
    assert refused.value.code == "other_open_conversation"
    assert routing_of(conversation).state == RoutingState.CLOSED
    # Routing a closed conversation does nothing
    assert route_conversation(conversation).result == "already_closed"

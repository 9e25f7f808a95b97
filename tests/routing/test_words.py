"""Words that never start a flow (6.5.54) and words an agent may not send (6.5.55)."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest

from accounts.roles import Role
from desk.errors import MessageRefused
from desk.models import Message
from routing.errors import BlockedWordsRefused, RoutingError
from routing.models import ConversationEvent, ConversationRouting, RestrictedWord, WordKind
from routing.services.catalog import canned_reply_save
from routing.services.entry import route_conversation
from routing.services.replies import agent_message_send
from routing.services.words import outbound_text_check, start_stop_match, word_list_set
from security.models import AuditEntry
from tests.routing.conftest import DeskFactory, actor_of, outbound_texts

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def admin_actor(desk: DeskFactory) -> Any:
    return actor_of(desk.user(Role.ADMIN))


@pytest.mark.req("6.5.55")
def test_an_agent_message_with_a_blocked_word_is_refused_with_the_reason(
    desk: DeskFactory, admin_actor: Any, django_capture_on_commit_callbacks: Commit
) -> None:
    # Given the blocked list and an agent serving a conversation
    word_list_set(actor=admin_actor, kind=WordKind.BLOCKED, terms=["burro", "Idiota", "vai se"])
    team = desk.team(agent_name_on_messages=False)
    ana = desk.agent(team)
    conversation = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        route_conversation(conversation)
    before = Message.objects.filter(conversation=conversation).count()
    # When she sends a message with two of them (other case, accents, punctuation)
    with pytest.raises(BlockedWordsRefused) as refused:
        agent_message_send(
            actor=actor_of(ana), conversation=conversation, text="Você é um BURRO, um idióta!"
        )
    # Then nothing is written and the reason names the words
    assert refused.value.code == "blocked_words"
    assert refused.value.words == ["burro", "Idiota"]
    assert refused.value.message == (
        "A mensagem não foi enviada porque contém palavras não permitidas: “burro”, “Idiota”."
    )
    assert isinstance(refused.value, MessageRefused)
    assert Message.objects.filter(conversation=conversation).count() == before
    # And words that merely contain a blocked one pass
    agent_message_send(
        actor=actor_of(ana), conversation=conversation, text="A burrocracia acabou: vai sem fila."
    )
    assert outbound_texts(conversation) == ["A burrocracia acabou: vai sem fila."]


@pytest.mark.req("6.5.55")
def test_multi_word_entries_match_across_spaces(admin_actor: Any) -> None:
    word_list_set(actor=admin_actor, kind=WordKind.BLOCKED, terms=["vai se"])
    with pytest.raises(BlockedWordsRefused):
        outbound_text_check(None, "VAI   SE ...")
    outbound_text_check(None, "vai sempre")


@pytest.mark.req("6.5.55")
def test_a_canned_reply_cannot_hold_a_blocked_word(desk: DeskFactory, admin_actor: Any) -> None:
    word_list_set(actor=admin_actor, kind=WordKind.BLOCKED, terms=["palhaço"])
    with pytest.raises(RoutingError) as refused:
        canned_reply_save(
            actor=admin_actor,
            changes={"shortcut": "piada", "title": "Piada", "text": "Não seja palhaco."},
        )
    assert refused.value.code == "blocked_words"


@pytest.mark.req("6.5.54")
@pytest.mark.parametrize("first", ["Obrigado!!", "ok", "OK.", "👍", "obrigada"])
def test_a_start_stop_word_starts_nothing(desk: DeskFactory, admin_actor: Any, first: str) -> None:
    word_list_set(
        actor=admin_actor, kind=WordKind.START_STOP, terms=["obrigado", "obrigada", "ok", "👍"]
    )
    team = desk.team(announce_agent=True, queue_notice="position")
    desk.agent(team)
    conversation = desk.conversation(team, text=first)
    outcome = route_conversation(conversation, first_text=first)
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    conversation.refresh_from_db()
    assert outcome.result == "suppressed"
    assert (routing.state, routing.agent_id, routing.close_reason) == (
        "closed",
        None,
        "start_stop_word",
    )
    assert conversation.status == "closed"
    assert outbound_texts(conversation) == []
    assert ConversationEvent.objects.get(conversation=conversation).reason == "start_stop_word"


@pytest.mark.req("6.5.54")
def test_a_message_that_asks_something_starts_even_with_a_listed_word(
    desk: DeskFactory, admin_actor: Any
) -> None:
    word_list_set(actor=admin_actor, kind=WordKind.START_STOP, terms=["obrigado"])
    team = desk.team()
    text = "Obrigado, mas preciso da segunda via"
    conversation = desk.conversation(team, text=text)
    assert route_conversation(conversation, first_text=text).result == "queued"


@pytest.mark.req("6.5.54")
def test_list_changes_apply_at_once_and_are_audited(admin_actor: Any) -> None:
    assert start_stop_match("tchau") is None
    word_list_set(actor=admin_actor, kind=WordKind.START_STOP, terms=["Tchau", "tchau", " "])
    assert start_stop_match("TCHAU!") == "Tchau"
    assert list(RestrictedWord.objects.values_list("term", flat=True)) == ["Tchau"]
    word_list_set(actor=admin_actor, kind=WordKind.START_STOP, terms=[])
    assert start_stop_match("tchau") is None
    assert AuditEntry.objects.filter(action="routing.words.set").count() == 2


def test_only_admins_change_the_lists(desk: DeskFactory) -> None:
    from routing.errors import NotAllowed

    agent = desk.user(Role.AGENT)
    with pytest.raises(NotAllowed):
        word_list_set(actor=actor_of(agent), kind=WordKind.BLOCKED, terms=["x"])
    assert RestrictedWord.objects.count() == 0

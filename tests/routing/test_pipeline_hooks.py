"""Routing wired into the message pipeline: a citizen's WhatsApp message (through the real
webhook, the provider simulator and the outbox) is routed, start-stop words open nothing, a
survey score is taken, a paused agent's citizen gets the auto-reply, and the console's send
path refuses blocked words."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel
from channels.providers.whatsapp.simulator import WhatsAppSimulator, build_inbound_text
from desk.errors import MessageRefused
from desk.models import Conversation, Message, Origin
from desk.services.outbound import message_send
from routing.errors import BlockedWordsRefused
from routing.models import (
    ConversationRouting,
    PauseReason,
    RoutingState,
    SurveyRequest,
    TeamMembership,
    WordKind,
)
from routing.services.agents import agent_login, agent_pause
from routing.services.lifecycle import conversation_close
from routing.services.teams import team_settings
from routing.services.words import word_list_set
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials
from tests.routing.conftest import actor_of

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]
THANKS = "Obrigado pela sua avaliação! Ela nos ajuda a melhorar o atendimento."


@pytest.fixture
def citizen(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Commit,
) -> Callable[[str], None]:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)

    def write(text: str) -> None:
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(
                public_client, "/webhooks/whatsapp", build_inbound_text(credentials, text=text)
            )
        assert response.status_code == 200

    return write


def sent_texts(simulator: WhatsAppSimulator) -> list[str]:
    return [payload["text"]["body"] for payload in simulator.sent if "text" in payload]


@pytest.mark.req("6.5.54")
def test_a_start_stop_word_on_whatsapp_opens_nothing_and_gets_no_protocol(
    tenant_alfa: Tenant,
    make_user: Any,
    citizen: Callable[[str], None],
    whatsapp_sim: WhatsAppSimulator,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        word_list_set(
            actor=actor_of(make_user(tenant_alfa, Role.ADMIN)),
            kind=WordKind.START_STOP,
            terms=["obrigado"],
        )
    citizen("Obrigado!")
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get()
        assert conversation.status == "closed"
        assert ConversationRouting.objects.get(pk=conversation.pk).close_reason == (
            "start_stop_word"
        )
    assert sent_texts(whatsapp_sim) == []


@pytest.mark.req("6.5.16")
@pytest.mark.req("6.5.32")
def test_a_whatsapp_conversation_is_routed_served_closed_and_rated(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    make_user: Any,
    citizen: Callable[[str], None],
    whatsapp_sim: WhatsAppSimulator,
    django_capture_on_commit_callbacks: Commit,
) -> None:
    # Given Ana available in the channel's team, which asks for the survey
    with schema_context(tenant_alfa.schema_name):
        ana = make_user(tenant_alfa, Role.AGENT)
        type(ana).objects.filter(pk=ana.pk).update(full_name="Ana Souza")
        ana.full_name = "Ana Souza"
        team_id = int(whatsapp_channel.default_team_id or 0)
        settings = team_settings(team_id)
        settings.survey_enabled = True
        settings.survey_message = "Nota de 1 a 5 para {agente}?"
        settings.closing_message = ""
        settings.save()
        TeamMembership.objects.create(team_id=team_id, user=ana)
        agent_login(actor=actor_of(ana), user=ana, teams=[team_id])
    # When Maria writes, she gets her protocol and Ana takes the conversation
    citizen("Preciso da segunda via do IPTU")
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get()
        assert ConversationRouting.objects.get(pk=conversation.pk).agent_id == ana.pk
        with django_capture_on_commit_callbacks(execute=True):
            conversation_close(actor=actor_of(ana), conversation=conversation)
    texts = sent_texts(whatsapp_sim)
    assert texts[1:] == [
        "Olá! Meu nome é Ana e vou continuar o seu atendimento.",
        "Nota de 1 a 5 para Ana?",
    ]
    assert conversation.protocol in texts[0]
    # When she answers "5", the score is Ana's and no new conversation opens
    citizen("5")
    with schema_context(tenant_alfa.schema_name):
        assert Conversation.objects.count() == 1
        survey = SurveyRequest.objects.get(conversation=conversation)
        assert (survey.agent_id, survey.score) == (ana.pk, 5)
        assert Message.objects.filter(conversation=conversation, text="5").count() == 1
    # And she is thanked on the closed conversation: the thank-you reaches the provider
    assert sent_texts(whatsapp_sim)[-1] == THANKS
    assert sent_texts(whatsapp_sim).count(THANKS) == 1
    with schema_context(tenant_alfa.schema_name):
        thanks = Message.objects.get(conversation=conversation, text=THANKS)
        # Accepted by the provider (WhatsApp reports "sent" later, by webhook)
        assert (thanks.origin, thanks.status) == (Origin.SYSTEM, "queued")
        assert thanks.provider_message_id and thanks.accepted_at is not None
        assert Conversation.objects.get(pk=conversation.pk).status == "closed"
    # And a later question opens a new conversation, routed as usual
    citizen("Outra dúvida: e o ITBI?")
    with schema_context(tenant_alfa.schema_name):
        assert Conversation.objects.count() == 2
        newest = Conversation.objects.latest("opened_at")
        assert ConversationRouting.objects.get(pk=newest.pk).state == RoutingState.ASSIGNED


@pytest.mark.req("6.5.58.14")
def test_writing_to_a_paused_agent_on_whatsapp_gets_the_reason_message(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    make_user: Any,
    citizen: Callable[[str], None],
    whatsapp_sim: WhatsAppSimulator,
) -> None:
    with schema_context(tenant_alfa.schema_name):
        ana = make_user(tenant_alfa, Role.AGENT)
        team_id = int(whatsapp_channel.default_team_id or 0)
        settings = team_settings(team_id)
        settings.announce_agent = False
        settings.save()
        TeamMembership.objects.create(team_id=team_id, user=ana)
        agent_login(actor=actor_of(ana), user=ana, teams=[team_id])
    citizen("Bom dia")
    with schema_context(tenant_alfa.schema_name):
        reason = PauseReason.objects.create(name="Almoço", auto_reply="Volto às 13h.")
        agent_pause(actor=actor_of(ana), user=ana, reason=reason)
    citizen("Alguém aí?")
    citizen("Olá?")
    assert sent_texts(whatsapp_sim)[1:] == ["Volto às 13h."]


@pytest.mark.req("6.5.55")
def test_the_consoles_send_path_refuses_blocked_words(
    tenant_alfa: Tenant,
    make_user: Any,
    citizen: Callable[[str], None],
    whatsapp_sim: WhatsAppSimulator,
) -> None:
    citizen("Oi")
    with schema_context(tenant_alfa.schema_name):
        admin = make_user(tenant_alfa, Role.ADMIN)
        word_list_set(actor=actor_of(admin), kind=WordKind.BLOCKED, terms=["idiota"])
        agent = make_user(tenant_alfa, Role.AGENT)
        conversation = Conversation.objects.get()
        with pytest.raises(BlockedWordsRefused) as refused:
            message_send(actor=actor_of(agent), conversation=conversation, text="Idiota!")
        assert refused.value.words == ["idiota"]
        assert Message.objects.filter(conversation=conversation, direction="out").count() == 1
        # The list is about what people write: an automatic message is not checked
        sent = message_send(
            actor=Actor.system("fluxo"),
            conversation=conversation,
            text="Resposta idiota-proof do robô",
            origin=Origin.BOT,
        )
        assert sent.pk is not None


@pytest.mark.req("6.5.32")
def test_only_the_surveys_system_messages_go_out_on_a_closed_conversation(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    make_user: Any,
    citizen: Callable[[str], None],
    whatsapp_sim: WhatsAppSimulator,
) -> None:
    # Given a closed conversation
    citizen("Preciso de ajuda")
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get()
        agent = make_user(tenant_alfa, Role.SUPERVISOR)
        conversation_close(actor=actor_of(agent), conversation=conversation)
        before = Message.objects.filter(conversation=conversation).count()

        # When an agent, or the system outside the survey, writes on it: refused, nothing written
        for actor, origin in ((actor_of(agent), None), (Actor.system("roteamento"), Origin.SYSTEM)):
            with pytest.raises(MessageRefused) as refused:
                message_send(actor=actor, conversation=conversation, text="Oi?", origin=origin)
            assert refused.value.code == "conversation_closed"
        # And a person cannot borrow the survey's way out
        with pytest.raises(ValueError):
            message_send(
                actor=actor_of(agent),
                conversation=conversation,
                text="Oi?",
                origin=Origin.SYSTEM,
                after_close=True,
            )
        assert Message.objects.filter(conversation=conversation).count() == before

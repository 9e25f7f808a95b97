"""The minimal agent page (until the console lands): the queue and my conversations, one
conversation's thread, a reply that goes to the citizen. pt-BR, server-rendered."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel
from desk.models import Message
from desk.services.teams import team_create
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.api.fixtures import ConversationOf, team_member
from tests.conftest import MakeUser, host_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.1")]

WHO = ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR]


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    client_for: Callable[..., Client],
) -> Client:
    who = request.param
    if who == "anonymous":
        return client_for(tenant_alfa)
    if who == "other_tenant":
        client = client_for(tenant_beta, make_user(tenant_beta, Role.ADMIN))
        client.defaults["HTTP_HOST"] = host_of(tenant_alfa)
        return client
    user = make_user(tenant_alfa, who)
    if who == Role.AGENT:
        # An agent sees their teams' conversations: this one serves the channels' default team.
        team_member(tenant_alfa, user)
    return client_for(tenant_alfa, user)


def _outbound_by_people(tenant: Tenant) -> list[str]:
    with schema_context(tenant.schema_name):
        return list(
            Message.objects.filter(direction="out", sender_user_id__isnull=False).values_list(
                "text", flat=True
            )
        )


@pytest.mark.parametrize(
    ("browser", "expected"),
    list(zip(WHO, [302, 302, 200, 200, 200, 403], strict=True)),
    indirect=["browser"],
)
def test_who_may_open_the_agent_page(
    browser: Client, expected: int, webchat_channel: Channel, conversation_on: ConversationOf
) -> None:
    conversation = conversation_on(webchat_channel)
    assert browser.get("/atendimento/").status_code == expected
    assert browser.get(f"/atendimento/{conversation.pk}/").status_code == expected


@pytest.mark.parametrize(
    ("browser", "allowed"),
    list(zip(WHO, [False, False, True, True, True, False], strict=True)),
    indirect=["browser"],
)
def test_who_may_reply(
    browser: Client,
    allowed: bool,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    conversation = conversation_on(webchat_channel)

    browser.post(f"/atendimento/{conversation.pk}/responder", {"text": "Resposta"})

    assert _outbound_by_people(tenant_alfa) == (["Resposta"] if allowed else [])


@audits_route("tenant:agent:conversation_reply")
@pytest.mark.parametrize("browser", [Role.AGENT], indirect=True)
def test_an_agent_finds_the_conversation_in_the_queue_answers_and_it_becomes_theirs(
    browser: Client,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = conversation_on(webchat_channel, text="Preciso de uma certidão")

    queue = browser.get("/atendimento/fila").content.decode()
    waiting, mine = queue.split("Meus atendimentos")
    assert conversation.protocol in waiting
    assert conversation.protocol not in mine

    thread = browser.get(f"/atendimento/{conversation.pk}/mensagens").content.decode()
    assert "Preciso de uma certidão" in thread

    with django_capture_on_commit_callbacks(execute=True):
        reply = browser.post(
            f"/atendimento/{conversation.pk}/responder",
            {"text": "Claro, qual o seu CPF?"},
            follow=True,
        )

    assert reply.status_code == 200
    assert "Mensagem na fila de envio." in reply.content.decode()
    with schema_context(tenant_alfa.schema_name):
        sent = Message.objects.get(direction="out", sender_user_id__isnull=False)
        audited = AuditEntry.objects.get(action="message.send")
    assert (sent.text, sent.origin, sent.status) == ("Claro, qual o seu CPF?", "agent", "sent")
    assert (audited.actor_id, audited.via, audited.object_id, audited.object_repr) == (
        sent.sender_user_id,
        "web",
        str(sent.pk),
        conversation.protocol,
    )
    thread = browser.get(f"/atendimento/{conversation.pk}/mensagens").content.decode()
    assert "Claro, qual o seu CPF?" in thread
    assert 'data-status="sent"' in thread
    queue = browser.get("/atendimento/fila").content.decode()
    waiting, mine = queue.split("Meus atendimentos")
    assert conversation.protocol in mine
    assert conversation.protocol not in waiting


@pytest.mark.parametrize("browser", [Role.AGENT], indirect=True)
def test_an_empty_reply_is_refused_and_nothing_is_sent(
    browser: Client,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    conversation = conversation_on(webchat_channel)

    page = browser.post(
        f"/atendimento/{conversation.pk}/responder", {"text": "   "}, follow=True
    ).content.decode()

    assert "Escreva uma mensagem ou anexe um arquivo." in page
    assert _outbound_by_people(tenant_alfa) == []


@pytest.mark.req("6.5.37.6")
def test_an_agent_cannot_open_another_teams_conversation(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: Callable[..., Client],
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    # Given a conversation of the default team and an agent of team Tributos only
    conversation = conversation_on(webchat_channel)
    with schema_context(tenant_alfa.schema_name):
        other = team_create(actor=Actor.command("tests"), name="Tributos")
    agent = make_user(tenant_alfa, Role.AGENT)
    team_member(tenant_alfa, agent, [other])
    browser = client_for(tenant_alfa, agent)

    # Then the conversation is neither listed nor opened, and a reply goes nowhere
    assert browser.get(f"/atendimento/{conversation.pk}/").status_code == 404
    assert browser.get(f"/atendimento/{conversation.pk}/mensagens").status_code == 404
    browser.post(f"/atendimento/{conversation.pk}/responder", {"text": "Oi"})
    assert conversation.protocol not in browser.get("/atendimento/fila").content.decode()
    assert conversation.protocol not in browser.get("/atendimento/").content.decode()
    assert _outbound_by_people(tenant_alfa) == []
    # While a supervisor of no team opens it
    supervisor = client_for(tenant_alfa, make_user(tenant_alfa, Role.SUPERVISOR))
    assert supervisor.get(f"/atendimento/{conversation.pk}/").status_code == 200

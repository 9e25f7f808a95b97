"""6.5.58.11: the agent starts a conversation with a registered contact; inside the 24-hour
window with free text, outside it on WhatsApp only with an approved template."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone

from accounts.roles import Role
from channels.models import Channel
from desk.errors import SESSION_WINDOW_CLOSED_MESSAGE
from desk.models import Contact, ContactIdentity, ContactTeamAccess, Conversation, Message
from routing.models import ConversationRouting, RoutingState, TeamSettings
from security.models.audit import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory


def _contact(channel: Channel, *, hours_ago: float | None, phone: str = "") -> Contact:
    now = timezone.now()
    contact = Contact.objects.create(name="Maria Lima", phone=phone, created_at=now)
    if hours_ago is not None:
        ContactIdentity.objects.create(
            contact=contact,
            channel=channel,
            external_id="5511999990000",
            last_inbound_at=now - timedelta(hours=hours_ago),
            created_at=now,
        )
    return contact


def _agent_client(desk: DeskFactory, alfa: Tenant, client_for: Any, channel: Channel) -> Any:
    team = desk.team("Obras")
    TeamSettings.objects.filter(team=team).update(agent_name_on_messages=False)
    agent = desk.agent(team, name="Ana Souza")
    return agent, client_for(alfa, agent)


@pytest.mark.req("6.5.58.11")
@audits_route("tenant:portal_console:conversation_start")
def test_inside_the_window_the_agent_writes_freely(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    # given a contact who wrote 3 hours ago, with no open conversation
    contact = _contact(whatsapp_channel, hours_ago=3)
    agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    page = client.get(f"/console/contato/{contact.pk}/iniciar").content.decode()
    assert "janela de 24 horas aberta até" in page
    # when the agent starts a conversation with a text
    response = client.post(
        f"/console/contato/{contact.pk}/iniciar",
        {"channel": whatsapp_channel.pk, "text": "Bom dia! Seu pedido foi atendido."},
    )
    # then it is theirs, open, with the message queued, and audited
    conversation = Conversation.objects.get(contact=contact)
    assert response.status_code == 302
    assert response["Location"] == f"/console/c/{conversation.pk}/"
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    assert (routing.state, routing.agent_id, conversation.status) == (
        RoutingState.ASSIGNED,
        agent.pk,
        "open",
    )
    message = Message.objects.get(conversation=conversation)
    assert (message.direction, message.kind, message.text) == (
        "out",
        "text",
        "Bom dia! Seu pedido foi atendido.",
    )
    assert AuditEntry.objects.filter(action="conversation.start", actor_id=agent.pk).count() == 1
    assert conversation.protocol in client.get(f"/console/c/{conversation.pk}/").content.decode()


@pytest.mark.req("6.5.58.11")
def test_outside_the_window_text_is_refused_and_nothing_is_left(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    # given a contact who wrote 30 hours ago
    contact = _contact(whatsapp_channel, hours_ago=30)
    _agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    page = client.get(f"/console/contato/{contact.pk}/iniciar").content.decode()
    assert "fora da janela de 24 horas: use um modelo aprovado" in page
    # when the agent tries free text
    response = client.post(
        f"/console/contato/{contact.pk}/iniciar",
        {"channel": whatsapp_channel.pk, "text": "Olá"},
    )
    # then WhatsApp's rule is explained and no conversation or message remains
    assert response.status_code == 400
    assert str(SESSION_WINDOW_CLOSED_MESSAGE) in response.content.decode()
    assert ">Olá</textarea>" in response.content.decode()
    assert Conversation.objects.filter(contact=contact).count() == 0
    assert Message.objects.count() == 0


@pytest.mark.req("6.5.58.11")
def test_outside_the_window_an_approved_template_starts_it(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    contact = _contact(whatsapp_channel, hours_ago=30)
    agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    response = client.post(
        f"/console/contato/{contact.pk}/iniciar",
        {
            "channel": whatsapp_channel.pk,
            "template_name": "retorno_protocolo",
            "template_language": "pt_BR",
            "template_values": "Maria\n20261128-000123\n",
        },
    )
    conversation = Conversation.objects.get(contact=contact)
    assert response["Location"] == f"/console/c/{conversation.pk}/"
    message = Message.objects.get(conversation=conversation)
    assert (message.kind, message.template_name) == ("template", "retorno_protocolo")
    assert ConversationRouting.objects.get(pk=conversation.pk).agent_id == agent.pk


@pytest.mark.req("6.5.58.11")
def test_a_contact_with_only_a_phone_is_reached_on_whatsapp(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    # given a contact imported with a phone and no conversation ever
    contact = _contact(whatsapp_channel, hours_ago=None, phone="+5511988887777")
    _agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    # when the agent starts with a template
    client.post(
        f"/console/contato/{contact.pk}/iniciar",
        {"channel": whatsapp_channel.pk, "template_name": "boas_vindas"},
    )
    # then the WhatsApp identity is the number's digits, and the conversation is open
    identity = ContactIdentity.objects.get(contact=contact)
    assert (identity.channel_id, identity.external_id) == (whatsapp_channel.pk, "5511988887777")
    assert Conversation.objects.get(contact=contact).status == "open"


def test_a_second_open_conversation_is_refused(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    contact = _contact(whatsapp_channel, hours_ago=1)
    _agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    data = {"channel": whatsapp_channel.pk, "text": "Oi"}
    client.post(f"/console/contato/{contact.pk}/iniciar", data)
    again = client.post(f"/console/contato/{contact.pk}/iniciar", data)
    assert again.status_code == 400
    assert "já tem um atendimento aberto neste canal" in again.content.decode()
    assert Conversation.objects.filter(contact=contact).count() == 1


def test_text_and_template_together_are_refused(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    contact = _contact(whatsapp_channel, hours_ago=1)
    _agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    response = client.post(
        f"/console/contato/{contact.pk}/iniciar",
        {"channel": whatsapp_channel.pk, "text": "Oi", "template_name": "boas_vindas"},
    )
    assert response.status_code == 400
    assert Conversation.objects.count() == 0


@pytest.mark.parametrize(("role", "status"), [(None, 302), (Role.AUDITOR, 403)])
def test_who_may_not_start(
    desk: DeskFactory,
    alfa: Tenant,
    client_for: Any,
    whatsapp_channel: Channel,
    role: str | None,
    status: int,
) -> None:
    contact = _contact(whatsapp_channel, hours_ago=1)
    client: Client = client_for(alfa) if role is None else client_for(alfa, desk.user(role))
    response = client.post(
        f"/console/contato/{contact.pk}/iniciar", {"channel": whatsapp_channel.pk, "text": "Oi"}
    )
    assert response.status_code == status
    assert Conversation.objects.count() == 0


def test_a_contact_exclusive_to_another_team_is_not_found(
    desk: DeskFactory, alfa: Tenant, client_for: Any, whatsapp_channel: Channel
) -> None:
    # given a contact exclusive to team "Saúde" and an agent of "Obras" only
    contact = _contact(whatsapp_channel, hours_ago=1)
    ContactTeamAccess.objects.create(
        contact=contact, team=desk.team("Saúde"), created_at=timezone.now()
    )
    _agent, client = _agent_client(desk, alfa, client_for, whatsapp_channel)
    assert client.get(f"/console/contato/{contact.pk}/iniciar").status_code == 404
    response = client.post(
        f"/console/contato/{contact.pk}/iniciar", {"channel": whatsapp_channel.pk, "text": "Oi"}
    )
    assert response.status_code == 404
    assert Conversation.objects.count() == 0

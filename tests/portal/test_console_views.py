"""The agent console: who may open it, what an agent sees (only their teams), and each action
going through desk's and routing's services."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from accounts.roles import Role
from desk.models import Contact, Conversation, Direction, Message
from routing.models import (
    AgentState,
    AgentStatus,
    CannedReply,
    ConversationRouting,
    Disposition,
    PauseReason,
    RoutingState,
)
from routing.services.lifecycle import conversation_assign
from security.models.audit import AuditEntry
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of

# A 1x1 transparent PNG.
PNG = (
    b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR\x00\x00\x00\x01\x00\x00\x00\x01\x08\x06\x00\x00\x00"
    b"\x1f\x15\xc4\x89\x00\x00\x00\rIDATx\x9cc\xf8\x0f\x00\x00\x01\x01\x00\x05\x18\xd8N\x00\x00"
    b"\x00\x00IEND\xaeB`\x82"
)


def _assigned(desk: DeskFactory, **kwargs: Any) -> tuple[Any, Any, Conversation]:
    """A team, an available agent in it, and a conversation assigned to that agent."""
    team = desk.team("Obras")
    agent = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team, **kwargs)
    supervisor = desk.user(Role.SUPERVISOR)
    conversation_assign(actor=actor_of(supervisor), conversation=conversation, agent=agent)
    return team, agent, conversation


@pytest.mark.req("6.2.7")
@pytest.mark.parametrize(
    ("role", "console", "monitor"),
    [
        (None, 302, 302),
        ("other_tenant", 302, 302),
        (Role.AUDITOR, 403, 403),
        (Role.AGENT, 200, 403),
        (Role.SUPERVISOR, 200, 200),
        (Role.ADMIN, 200, 200),
    ],
)
def test_who_may_open_the_console_and_the_monitor(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: Any,
    client_for: Any,
    role: str | None,
    console: int,
    monitor: int,
) -> None:
    # given a visitor of the given kind on alfa's host
    if role is None:
        client: Client = client_for(tenant_alfa)
    elif role == "other_tenant":
        # signed in on beta: the session means nothing on alfa
        client = client_for(tenant_alfa)
        beta_client = client_for(tenant_beta, make_user(tenant_beta, Role.SUPERVISOR))
        client.cookies = beta_client.cookies
    else:
        client = client_for(tenant_alfa, make_user(tenant_alfa, role))
    # when they open the two screens
    console_response = client.get("/console/")
    monitor_response = client.get("/monitor/")
    # then only the right roles get in; the others go to the login or are refused
    assert console_response.status_code == console
    assert monitor_response.status_code == monitor
    if console == 302:
        assert console_response["Location"].startswith("/conta/entrar/")


@pytest.mark.req("6.2.8")
@pytest.mark.parametrize("role", [None, Role.AUDITOR])
def test_denied_writes_change_nothing(
    desk: DeskFactory, alfa: Tenant, client_for: Any, role: str | None
) -> None:
    # given a conversation assigned to an agent
    _team, _agent, conversation = _assigned(desk)
    client = client_for(alfa) if role is None else client_for(alfa, desk.user(role))
    before = Message.objects.filter(conversation=conversation).count()
    # when someone without `serve` tries to answer, close and rename
    client.post(f"/console/c/{conversation.pk}/enviar", {"text": "intruso"})
    client.post(f"/console/c/{conversation.pk}/encerrar", {"note": "x"})
    client.post(f"/console/contato/{conversation.contact_id}/nome", {"name": "Outro Nome"})
    # then nothing changed
    assert Message.objects.filter(conversation=conversation).count() == before
    assert ConversationRouting.objects.get(pk=conversation.pk).state == RoutingState.ASSIGNED
    assert Contact.objects.get(pk=conversation.contact_id).name == conversation.contact.name


@pytest.mark.req("6.2.8")
def test_an_agent_of_another_team_neither_sees_nor_touches_the_conversation(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given a waiting conversation of team "Saúde" and an agent of team "Obras" only
    health, works = desk.team("Saúde"), desk.team("Obras")
    conversation = desk.conversation(health, text="Marcar consulta")
    Contact.objects.filter(pk=conversation.contact_id).update(name="Joana Prado")
    outsider = desk.agent(works, name="Bruno Lima")
    client = client_for(alfa, outsider)
    # when they look for it every way the console offers
    page = client.get("/console/")
    detail = client.get(f"/console/c/{conversation.pk}/")
    thread = client.get(f"/console/c/{conversation.pk}/mensagens")
    contact = client.get(f"/console/contato/{conversation.contact_id}/")
    search = client.get("/console/contatos", {"q": "Joana"})
    send = client.post(f"/console/c/{conversation.pk}/enviar", {"text": "oi"})
    # then it is not there, and nothing was written
    assert conversation.protocol not in page.content.decode()
    assert (detail.status_code, thread.status_code, contact.status_code) == (404, 404, 404)
    assert "Joana Prado" not in search.content.decode()
    assert send.status_code == 404
    assert Message.objects.filter(conversation=conversation).count() == 1


@pytest.mark.req("6.5.58.1")
def test_the_waiting_list_shows_the_team_queue_with_channel_and_unread_count(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given a waiting conversation of the agent's team, with two unanswered messages
    team = desk.team("Obras")
    conversation = desk.conversation(team, text="Buraco na rua")
    desk.inbound(conversation, "Alguém aí?")
    agent = desk.agent(team, login=False)
    # when the agent opens the console
    response = client_for(alfa, agent).get("/console/listas")
    # then the conversation is in the waiting list with its channel and 2 new messages
    html = response.content.decode()
    waiting = html.split('data-list="waiting"')[1]
    assert conversation.protocol in waiting
    assert "WebChat" in waiting
    assert "2 novas" in waiting
    assert 'data-list="mine"' not in html


@pytest.mark.req("6.5.58.3")
@pytest.mark.req("6.5.58.1")
def test_the_agent_answers_an_assigned_conversation(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given a conversation assigned to Ana
    _team, agent, conversation = _assigned(desk, text="Quero falar da coleta de lixo")
    client = client_for(alfa, agent)
    # when she opens it: it is in "my conversations" with the contact panel beside it
    page = client.get(f"/console/c/{conversation.pk}/").content.decode()
    assert conversation.protocol in page.split('data-list="mine"')[1]
    assert 'id="contact-name"' in page
    assert "Quero falar da coleta de lixo" in page
    # and answers
    response = client.post(
        f"/console/c/{conversation.pk}/enviar", {"text": "Bom dia! Vou verificar."}
    )
    # then the reply is queued from her, and she is back on the conversation
    assert response.status_code == 302
    assert response["Location"] == f"/console/c/{conversation.pk}/"
    reply = Message.objects.get(conversation=conversation, direction=Direction.OUTBOUND)
    # the team shows the agent's name on messages (6.5.31)
    assert reply.text == "Ana:\nBom dia! Vou verificar."
    assert reply.sender_user_id == agent.pk


def test_a_refused_message_keeps_the_draft_and_says_why(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given a conversation still waiting (nobody owns it)
    team = desk.team("Obras")
    conversation = desk.conversation(team)
    agent = desk.agent(team, login=False)
    client = client_for(alfa, agent)
    # when the agent tries to answer it through htmx
    response = client.post(
        f"/console/c/{conversation.pk}/enviar", {"text": "Olá"}, HTTP_HX_REQUEST="true"
    )
    # then nothing is written and the pane says why
    assert response.status_code == 200
    assert "Assuma o atendimento antes de responder." in response.content.decode()
    assert Message.objects.filter(direction=Direction.OUTBOUND).count() == 0


@pytest.mark.req("6.5.58.9")
def test_an_attachment_is_sent_and_previewed(
    desk: DeskFactory, alfa: Tenant, client_for: Any, settings: Any, tmp_path: Any
) -> None:
    # given an assigned conversation and tenant storage in a temporary folder
    settings.MEDIA_ROOT = str(tmp_path)
    _team, agent, conversation = _assigned(desk)
    client = client_for(alfa, agent)
    # when the agent sends a picture with a caption
    upload = SimpleUploadedFile("foto.png", PNG, content_type="image/png")
    client.post(
        f"/console/c/{conversation.pk}/enviar", {"text": "Segue o mapa", "attachment": upload}
    )
    # then the message carries the stored image, shown as a preview in the thread
    reply = Message.objects.select_related("media").get(
        conversation=conversation, direction=Direction.OUTBOUND
    )
    assert reply.media is not None
    assert (reply.media.kind, reply.media.mime_type, reply.media.size) == (
        "image",
        "image/png",
        len(PNG),
    )
    thread = client.get(f"/console/c/{conversation.pk}/mensagens").content.decode()
    assert 'class="media-preview"' in thread
    assert 'alt="foto.png"' in thread


@pytest.mark.req("6.5.58.15")
def test_the_agent_corrects_the_contact_name(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    _team, agent, conversation = _assigned(desk)
    response = client_for(alfa, agent).post(
        f"/console/contato/{conversation.contact_id}/nome",
        {"name": "  Maria das Graças  ", "conversation": conversation.pk},
    )
    assert response["Location"] == f"/console/c/{conversation.pk}/"
    assert Contact.objects.get(pk=conversation.contact_id).name == "Maria das Graças"
    entry = AuditEntry.objects.filter(action="contact.update").latest("id")
    assert entry.actor_id == agent.pk


@pytest.mark.req("6.5.36")
@pytest.mark.req("6.5.58.12")
def test_the_contact_panel_shows_history_on_every_channel(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given a citizen who wrote earlier on another channel, in a conversation now closed
    _team, agent, conversation = _assigned(desk)
    other_channel = desk.channel(name="Chat da Saúde")
    earlier = desk.conversation(None, channel=other_channel, text="Pedido antigo de vacina")
    from desk.models import ContactIdentity

    ContactIdentity.objects.filter(pk=earlier.identity_id).update(contact=conversation.contact)
    Conversation.objects.filter(pk=earlier.pk).update(contact=conversation.contact, status="closed")
    client = client_for(alfa, agent)
    # when the agent opens the current conversation
    page = client.get(f"/console/c/{conversation.pk}/").content.decode()
    history = page.split('id="history-title"')[1]
    # then both protocols are listed, and the old one's messages can be read
    assert conversation.protocol in history
    assert earlier.protocol in history
    old = client.get(f"/console/contato/{conversation.contact_id}/historico/{earlier.pk}")
    assert "Pedido antigo de vacina" in old.content.decode()


@pytest.mark.req("6.5.58.18")
def test_contact_search_by_name_or_phone(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team = desk.team("Obras")
    conversation = desk.conversation(team)
    Contact.objects.filter(pk=conversation.contact_id).update(
        name="Carlos Andrade", phone="+5511987650000"
    )
    client = client_for(alfa, desk.agent(team, login=False))
    by_name = client.get("/console/contatos", {"q": "andrade"}).content.decode()
    by_phone = client.get("/console/contatos", {"q": "98765"}).content.decode()
    nobody = client.get("/console/contatos", {"q": "Zuleica"}).content.decode()
    link = f'href="/console/contato/{conversation.contact_id}/"'
    assert link in by_name
    assert link in by_phone
    assert "Nenhum contato encontrado." in nobody


@pytest.mark.req("6.5.58.4")
def test_canned_replies_are_those_of_my_teams(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    works, health = desk.team("Obras"), desk.team("Saúde")
    CannedReply.objects.create(team=works, shortcut="prazo", title="Prazo da obra", text="30 dias")
    CannedReply.objects.create(team=health, shortcut="vacina", title="Vacinas", text="Posto")
    CannedReply.objects.create(team=None, shortcut="ola", title="Saudação", text="Olá!")
    client = client_for(alfa, desk.agent(works, login=False))
    everything = client.get("/console/respostas").content.decode()
    searched = client.get("/console/respostas", {"q": "prazo"}).content.decode()
    assert "/prazo" in everything
    assert "/ola" in everything
    assert "/vacina" not in everything
    assert 'data-reply-text="30 dias"' in searched
    assert "/ola" not in searched


@pytest.mark.req("6.5.58.13")
def test_pause_and_back_from_the_console(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team = desk.team("Obras")
    agent = desk.agent(team)
    lunch = PauseReason.objects.create(name="Almoço")
    client = client_for(alfa, agent)
    client.post("/console/situacao", {"action": "pause", "reason": lunch.pk})
    assert AgentState.objects.get(pk=agent.pk).status == AgentStatus.PAUSED
    client.post("/console/situacao", {"action": "available"})
    assert AgentState.objects.get(pk=agent.pk).status == AgentStatus.AVAILABLE


@pytest.mark.req("6.5.58.8")
def test_transfer_to_another_team_queue(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    _team, agent, conversation = _assigned(desk)
    health = desk.team("Saúde")
    client = client_for(alfa, agent)
    client.post(
        f"/console/c/{conversation.pk}/transferir", {"team": health.pk, "note": "É da saúde"}
    )
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    assert (routing.state, routing.team_id, routing.agent_id) == (
        RoutingState.WAITING,
        health.pk,
        None,
    )


@pytest.mark.req("6.5.58.16")
def test_close_with_a_disposition(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    _team, agent, conversation = _assigned(desk)
    solved = Disposition.objects.create(name="Resolvido")
    client_for(alfa, agent).post(
        f"/console/c/{conversation.pk}/encerrar", {"disposition": solved.pk, "note": "ok"}
    )
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    assert (routing.state, routing.disposition_id) == (RoutingState.CLOSED, solved.pk)
    assert Conversation.objects.get(pk=conversation.pk).status == "closed"


def test_times_are_shown_in_sao_paulo(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    team = desk.team("Obras")
    conversation = desk.conversation(team, at=datetime(2026, 11, 28, 17, 5, tzinfo=UTC))
    page = client_for(alfa, desk.agent(team, login=False)).get(f"/console/c/{conversation.pk}/")
    assert "28/11/2026 14:05" in page.content.decode()


@pytest.mark.req("6.5.64")
def test_the_console_is_installable(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    client = client_for(alfa, desk.agent(desk.team("Obras"), login=False))
    page = client.get("/console/").content.decode()
    worker = client.get("/console/sw.js")
    assert 'rel="manifest"' in page
    assert 'data-sw="/console/sw.js"' in page
    assert worker.status_code == 200
    assert worker["Content-Type"] == "application/javascript; charset=utf-8"
    assert worker["Service-Worker-Allowed"] == "/console/"
    assert b'addEventListener("fetch"' in worker.content


def test_inbound_message_payload_has_no_inline_script(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    """CSP forbids inline scripts and styles; the console must not rely on them."""
    team = desk.team("Obras")
    desk.conversation(team, text="<script>alert(1)</script>")
    page = client_for(alfa, desk.agent(team, login=False)).get("/console/").content.decode()
    assert "<script>" not in page.replace("<script src=", "")
    assert "style=" not in page

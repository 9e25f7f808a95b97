"""The internal chat between the tenant's users (6.5.58.10, 6.5.62): anyone signed in talks to
any colleague; only the two of them read it; unread counts; nothing leaks to another tenant."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from portal.errors import ChatRefused
from portal.models import InternalMessage
from portal.services import internal_message_send
from security.models.audit import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of


def _send(sender: User, recipient: User, text: str) -> InternalMessage:
    return internal_message_send(
        actor=actor_of(sender), sender=sender, recipient=recipient, text=text
    )


@pytest.mark.req("6.5.58.10")
@pytest.mark.req("6.5.62")
@audits_route("tenant:portal_console:chat_send")
@pytest.mark.parametrize("role", [Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR])
def test_every_user_writes_to_a_colleague(
    desk: DeskFactory, alfa: Tenant, client_for: Any, role: str
) -> None:
    # given a user of any role and a colleague
    sender = desk.user(role, name="Ana Souza")
    colleague = desk.user(Role.AGENT, name="Bruno Lima")
    client: Client = client_for(alfa, sender)
    # when they write from the chat screen
    response = client.post(f"/console/chat/{colleague.pk}/enviar", {"text": "  Pode me ajudar?  "})
    # then the message is stored for the two of them, audited without its text
    assert response.status_code == 302
    assert response["Location"] == f"/console/chat/{colleague.pk}/"
    message = InternalMessage.objects.get()
    assert (message.sender_id, message.recipient_id, message.text, message.read_at) == (
        sender.pk,
        colleague.pk,
        "Pode me ajudar?",
        None,
    )
    entry = AuditEntry.objects.filter(action="internal_chat.send").get()
    assert entry.after == {"sender": sender.pk, "recipient": colleague.pk, "length": 15}
    page = client.get(f"/console/chat/{colleague.pk}/").content.decode()
    assert "Pode me ajudar?" in page
    assert "Conversa com Bruno Lima" in page


@pytest.mark.req("6.5.58.10")
def test_the_colleague_sees_it_unread_then_read(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given two messages from Ana to Bruno
    ana = desk.user(Role.AGENT, name="Ana Souza")
    bruno = desk.user(Role.AGENT, name="Bruno Lima")
    _send(ana, bruno, "Oi")
    _send(ana, bruno, "Tudo bem?")
    client: Client = client_for(alfa, bruno)
    # when Bruno opens the console, then the chat link counts them
    console = client.get("/console/").content.decode()
    assert "Chat interno" in console
    assert "2 novas" in console
    people = client.get("/console/chat/pessoas").content.decode()
    assert "Ana Souza" in people and "2 novas" in people
    # when he opens the conversation, then they are read and the count is gone
    thread = client.get(f"/console/chat/{ana.pk}/mensagens").content.decode()
    assert thread.index("Oi") < thread.index("Tudo bem?")
    assert InternalMessage.objects.filter(read_at__isnull=True).count() == 0
    assert "novas" not in client.get("/console/chat/nao-lidas").content.decode()


@pytest.mark.req("6.5.62")
def test_a_third_person_cannot_read_their_chat(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given Ana and Bruno talking, and a supervisor
    ana = desk.user(Role.AGENT, name="Ana Souza")
    bruno = desk.user(Role.AGENT, name="Bruno Lima")
    _send(ana, bruno, "Segredo de trabalho")
    supervisor = desk.user(Role.SUPERVISOR, name="Sueli Chefe")
    client: Client = client_for(alfa, supervisor)
    # when the supervisor opens their own chat with either of them
    with_ana = client.get(f"/console/chat/{ana.pk}/").content.decode()
    with_bruno = client.get(f"/console/chat/{bruno.pk}/mensagens").content.decode()
    # then nothing of Ana and Bruno's conversation shows, and it stays unread for Bruno
    assert "Segredo de trabalho" not in with_ana + with_bruno
    assert InternalMessage.objects.get().read_at is None


def test_anonymous_and_another_tenant_are_refused(
    desk: DeskFactory, alfa: Tenant, tenant_beta: Tenant, make_user: Any, client_for: Any
) -> None:
    colleague = desk.user(Role.AGENT, name="Bruno Lima")
    anonymous: Client = client_for(alfa)
    assert anonymous.get("/console/chat/").status_code == 302
    assert anonymous.post(f"/console/chat/{colleague.pk}/enviar", {"text": "x"}).status_code == 302
    # a session of beta means nothing on alfa's host
    stranger: Client = client_for(alfa)
    stranger.cookies = client_for(tenant_beta, make_user(tenant_beta, Role.ADMIN)).cookies
    assert stranger.post(f"/console/chat/{colleague.pk}/enviar", {"text": "x"}).status_code == 302
    assert InternalMessage.objects.count() == 0


def test_a_user_of_another_tenant_is_not_a_colleague(
    desk: DeskFactory, alfa: Tenant, tenant_beta: Tenant, make_user: Any, client_for: Any
) -> None:
    # given a user of beta, whose id does not exist on alfa
    outsider = make_user(tenant_beta, Role.AGENT)
    ana = desk.user(Role.AGENT, name="Ana Souza")
    client: Client = client_for(alfa, ana)
    missing = max(User.objects.values_list("pk", flat=True)) + 1000 + outsider.pk
    # then neither the list nor the addresses reach them
    assert outsider.email not in client.get("/console/chat/").content.decode()
    assert client.get(f"/console/chat/{missing}/").status_code == 404
    assert client.post(f"/console/chat/{missing}/enviar", {"text": "oi"}).status_code == 404


@pytest.mark.parametrize(
    ("text", "code"),
    [("   ", "empty"), ("x" * 2001, "too_long")],
)
def test_bad_messages_are_refused(desk: DeskFactory, alfa: Tenant, text: str, code: str) -> None:
    ana = desk.user(Role.AGENT, name="Ana Souza")
    bruno = desk.user(Role.AGENT, name="Bruno Lima")
    with pytest.raises(ChatRefused) as refused:
        _send(ana, bruno, text)
    assert refused.value.code == code
    assert InternalMessage.objects.count() == 0


def test_no_chat_with_oneself_or_an_inactive_user(desk: DeskFactory, alfa: Tenant) -> None:
    ana = desk.user(Role.AGENT, name="Ana Souza")
    gone = desk.user(Role.AGENT, name="Gil Saiu")
    User.objects.filter(pk=gone.pk).update(is_active=False)
    gone.refresh_from_db()
    for recipient, code in ((ana, "self"), (gone, "inactive")):
        with pytest.raises(ChatRefused) as refused:
            _send(ana, recipient, "oi")
        assert refused.value.code == code
    assert InternalMessage.objects.count() == 0


def test_a_refused_message_shows_the_reason_and_keeps_the_draft(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    ana = desk.user(Role.AGENT, name="Ana Souza")
    bruno = desk.user(Role.AGENT, name="Bruno Lima")
    client: Client = client_for(alfa, ana)
    response = client.post(
        f"/console/chat/{bruno.pk}/enviar", {"text": "x" * 2001}, headers={"HX-Request": "true"}
    )
    body = response.content.decode()
    assert response.status_code == 200
    assert "A mensagem passa de 2000 caracteres." in body
    assert "x" * 2001 in body
    assert InternalMessage.objects.count() == 0


def test_the_live_event_goes_to_the_two_people_only(
    desk: DeskFactory, alfa: Tenant, monkeypatch: pytest.MonkeyPatch
) -> None:
    published: list[tuple[str, dict[str, Any], dict[str, Any]]] = []
    monkeypatch.setattr(
        "portal.services.publish_on_commit",
        lambda kind, payload, audience: published.append((kind, payload, audience.as_dict())),
    )
    ana = desk.user(Role.AGENT, name="Ana Souza")
    bruno = desk.user(Role.AGENT, name="Bruno Lima")
    message = _send(ana, bruno, "Oi")
    assert published == [
        (
            "chat.message",
            {
                "id": message.pk,
                "sender_id": ana.pk,
                "sender_name": "Ana Souza",
                "recipient_id": bruno.pk,
                "text": "Oi",
            },
            {"teams": [], "users": [bruno.pk, ana.pk], "roles": []},
        )
    ]

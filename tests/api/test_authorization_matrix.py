"""Who may call each endpoint of the desk and channels API (6.5.63), as a matrix over
anonymous, another tenant's token, and each role of the tenant. Denied writes change nothing."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from channels.models import Channel
from desk.models import Contact, Message, Team
from tenants.models import Tenant
from tests.api.fixtures import ConversationOf
from tests.conftest import MakeUser

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.63")]

ANON, OTHER = "anonymous", "other_tenant"
AGENT, SUPERVISOR, ADMIN, AUDITOR = Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR


def snapshot(tenant: Tenant) -> dict[str, Any]:
    with schema_context(tenant.schema_name):
        return {
            "users": list(
                User.objects.order_by("pk").values_list("email", "full_name", "is_active")
            ),
            "teams": list(Team.objects.order_by("pk").values_list("name", flat=True)),
            "contacts": list(Contact.objects.order_by("pk").values_list("name", "phone", "email")),
            "channels": list(
                Channel.objects.order_by("pk").values_list("name", "mode", "credentials")
            ),
            "messages": list(Message.objects.order_by("pk").values_list("pk", "text")),
        }


def matrix(*expected: int) -> Any:
    return pytest.mark.parametrize(
        ("api", "expected"),
        list(zip([ANON, OTHER, AGENT, SUPERVISOR, ADMIN, AUDITOR], expected, strict=True)),
        indirect=["api"],
    )


def json_of(response: Any) -> Any:
    return response.json()


# --- reads -------------------------------------------------------------------------------------


@matrix(401, 401, 403, 200, 200, 200)
@pytest.mark.req("6.5.63.1")
def test_list_agents(api: Client, expected: int) -> None:
    assert api.get("/api/agents").status_code == expected


@matrix(401, 401, 200, 200, 200, 200)
@pytest.mark.req("6.5.63.2")
def test_list_teams(api: Client, expected: int) -> None:
    assert api.get("/api/teams").status_code == expected


@matrix(401, 401, 200, 200, 200, 403)
@pytest.mark.req("6.5.63.3")
def test_list_contacts(api: Client, expected: int) -> None:
    assert api.get("/api/contacts").status_code == expected


@matrix(401, 401, 403, 403, 200, 403)
@pytest.mark.req("6.5.63.4")
def test_list_channels(api: Client, expected: int) -> None:
    assert api.get("/api/channels").status_code == expected


@matrix(401, 401, 200, 200, 200, 403)
@pytest.mark.req("6.5.63.6")
def test_read_a_conversation(
    api: Client, expected: int, webchat_channel: Channel, conversation_on: ConversationOf
) -> None:
    conversation = conversation_on(webchat_channel)
    listing = api.get("/api/conversations")
    detail = api.get(f"/api/conversations/{conversation.pk}")
    assert listing.status_code == expected
    assert detail.status_code == expected
    if expected == 200:
        assert [item["protocol"] for item in listing.json()["items"]] == [conversation.protocol]
        assert detail.json()["messages"][0]["text"] == "Olá, preciso de ajuda"
    else:
        assert "detail" in detail.json()


# --- writes ------------------------------------------------------------------------------------


@matrix(401, 401, 403, 403, 201, 403)
@pytest.mark.req("6.5.63.1")
@pytest.mark.req("6.5.63.5")
def test_create_agent(api: Client, expected: int, tenant_alfa: Tenant) -> None:
    before = snapshot(tenant_alfa)
    response = api.post(
        "/api/agents",
        {"email": "novo.atendente@alfa.gov.br", "full_name": "Novo Atendente"},
        content_type="application/json",
    )
    assert response.status_code == expected
    after = snapshot(tenant_alfa)
    if expected == 201:
        assert json_of(response)["agent"]["email"] == "novo.atendente@alfa.gov.br"
        assert len(after["users"]) == len(before["users"]) + 1
    else:
        assert after == before


@matrix(401, 401, 403, 403, 200, 403)
@pytest.mark.req("6.5.63.1")
def test_update_agent(api: Client, expected: int, tenant_alfa: Tenant, make_user: MakeUser) -> None:
    agent = make_user(tenant_alfa, Role.AGENT, email="alvo@alfa.gov.br")
    before = snapshot(tenant_alfa)
    response = api.patch(
        f"/api/agents/{agent.pk}", {"full_name": "Nome Novo"}, content_type="application/json"
    )
    assert response.status_code == expected
    if expected == 200:
        assert json_of(response)["full_name"] == "Nome Novo"
    else:
        assert snapshot(tenant_alfa) == before


@matrix(401, 401, 403, 403, 201, 403)
@pytest.mark.req("6.5.63.2")
def test_create_team(api: Client, expected: int, tenant_alfa: Tenant) -> None:
    before = snapshot(tenant_alfa)
    response = api.post("/api/teams", {"name": "Ouvidoria"}, content_type="application/json")
    assert response.status_code == expected
    if expected == 201:
        assert snapshot(tenant_alfa)["teams"] == [*before["teams"], "Ouvidoria"]
    else:
        assert snapshot(tenant_alfa) == before


@matrix(401, 401, 201, 201, 201, 403)
@pytest.mark.req("6.5.63.3")
def test_create_contact(api: Client, expected: int, tenant_alfa: Tenant) -> None:
    before = snapshot(tenant_alfa)
    response = api.post(
        "/api/contacts",
        {"name": "João Munícipe", "phone": "(11) 98765-4321"},
        content_type="application/json",
    )
    assert response.status_code == expected
    if expected == 201:
        assert snapshot(tenant_alfa)["contacts"] == [
            *before["contacts"],
            ("João Munícipe", "+5511987654321", ""),
        ]
    else:
        assert snapshot(tenant_alfa) == before


@matrix(401, 401, 403, 403, 201, 403)
@pytest.mark.req("6.5.63.4")
def test_create_channel(api: Client, expected: int, tenant_alfa: Tenant) -> None:
    before = snapshot(tenant_alfa)
    response = api.post(
        "/api/channels",
        {
            "type": "webchat",
            "name": "Chat da ouvidoria",
            "webchat": {"allowed_origins": ["https://ouvidoria.alfa.gov.br"]},
        },
        content_type="application/json",
    )
    assert response.status_code == expected
    if expected == 201:
        assert len(snapshot(tenant_alfa)["channels"]) == len(before["channels"]) + 1
    else:
        assert snapshot(tenant_alfa) == before


@matrix(401, 401, 201, 201, 201, 403)
@pytest.mark.req("6.5.63.7")
def test_send_a_message(
    api: Client,
    expected: int,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    conversation = conversation_on(webchat_channel)
    before = snapshot(tenant_alfa)
    response = api.post(
        f"/api/conversations/{conversation.pk}/messages",
        {"text": "Resposta da prefeitura"},
        content_type="application/json",
    )
    assert response.status_code == expected
    after = snapshot(tenant_alfa)
    if expected == 201:
        assert json_of(response)["text"] == "Resposta da prefeitura"
        assert after["messages"][-1][1] == "Resposta da prefeitura"
        assert len(after["messages"]) == len(before["messages"]) + 1
    else:
        assert after == before

"""Ongoing conversations and sending through the API (6.5.63.6, 6.5.63.7), and the OpenAPI
document that tells integrators how to get a token (6.5.63.8)."""

from __future__ import annotations

import io
from datetime import timedelta
from typing import Any

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context
from PIL import Image

from accounts.roles import Role
from channels.models import Channel, ChannelType
from channels.services import WebChatSettings, channel_create
from desk.models import ContactIdentity, Conversation, Message
from desk.services.teams import team_create
from security.actors import Actor
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.api.fixtures import ApiFor, ConversationOf
from tests.pipeline.fixtures import WEBCHAT_ORIGIN

pytestmark = pytest.mark.django_db


def _png() -> bytes:
    buffer = io.BytesIO()
    Image.new("RGB", (4, 4), (0, 80, 160)).save(buffer, format="PNG")
    return buffer.getvalue()


@pytest.mark.req("6.5.63.6")
@pytest.mark.req("6.5.30")
def test_ongoing_conversations_are_listed_and_read_with_their_messages(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    first = conversation_on(webchat_channel, visitor_id="v_um", text="Primeira")
    second = conversation_on(webchat_channel, visitor_id="v_dois", text="Segunda")
    closed = conversation_on(webchat_channel, visitor_id="v_tres", text="Encerrada")
    with schema_context(tenant_alfa.schema_name):
        Conversation.objects.filter(pk=closed.pk).update(status="closed", closed_at=timezone.now())
    agent = api_for(Role.AGENT)

    listing = agent.get("/api/conversations").json()
    detail = agent.get(f"/api/conversations/{first.pk}").json()

    assert listing["count"] == 2
    assert {item["protocol"] for item in listing["items"]} == {first.protocol, second.protocol}
    assert detail["protocol"] == first.protocol
    assert detail["channel"] == {
        "id": webchat_channel.pk,
        "name": webchat_channel.name,
        "type": "webchat",
    }
    assert detail["messages_count"] == 2
    assert [(m["direction"], m["origin"]) for m in detail["messages"]] == [
        ("in", "contact"),
        ("out", "system"),
    ]
    assert detail["messages"][0]["text"] == "Primeira"
    # The automatic notice tells the citizen the protocol number (6.5.30); read unmasked by
    # someone allowed to see personal data (the masker takes the number for a phone).
    unmasked = api_for(Role.ADMIN).get(f"/api/conversations/{first.pk}").json()
    assert first.protocol in unmasked["messages"][1]["text"]


def test_messages_are_paginated_oldest_first(
    api_for: ApiFor, webchat_channel: Channel, conversation_on: ConversationOf
) -> None:
    conversation = conversation_on(webchat_channel)
    for number in range(3):
        conversation_on(webchat_channel, text=f"Mais {number}")

    page = (
        api_for(Role.AGENT)
        .get(f"/api/conversations/{conversation.pk}/messages?page=2&page_size=2")
        .json()
    )

    assert page["count"] == 5
    assert [item["text"] for item in page["items"]] == ["Mais 0", "Mais 1"]


@pytest.mark.req("6.5.63.6")
@pytest.mark.req("6.5.37.6")
def test_an_agent_sees_only_the_conversations_of_their_teams(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    # Given a conversation queued for the default team, and one on a channel of team Tributos
    with schema_context(tenant_alfa.schema_name):
        tributos = team_create(actor=Actor.command("tests"), name="Tributos")
        tributos_channel = channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WEBCHAT,
            name="Chat do IPTU",
            default_team=tributos,
            webchat=WebChatSettings(allowed_origins=[WEBCHAT_ORIGIN]),
        )
    elsewhere = conversation_on(webchat_channel, visitor_id="v_atendimento")
    mine = conversation_on(tributos_channel, visitor_id="v_tributos")
    assert (mine.team_id, elsewhere.team_id != tributos.pk) == (tributos.pk, True)
    # And an agent of Tributos only, and a supervisor of no team
    agent = api_for(Role.AGENT, teams=[tributos])
    supervisor = api_for(Role.SUPERVISOR)

    # When the agent lists and reads
    listing = agent.get("/api/conversations").json()

    # Then only Tributos' conversation exists for them; the other is a 404 everywhere
    assert [item["id"] for item in listing["items"]] == [mine.pk]
    assert listing["count"] == 1
    assert agent.get(f"/api/conversations/{mine.pk}").status_code == 200
    assert agent.get(f"/api/conversations/{elsewhere.pk}").status_code == 404
    assert agent.get(f"/api/conversations/{elsewhere.pk}/messages").status_code == 404
    refused = agent.post(
        f"/api/conversations/{elsewhere.pk}/messages",
        {"text": "Oi"},
        content_type="application/json",
    )
    assert refused.status_code == 404
    # And the supervisor, in no team, sees both
    supervised = supervisor.get("/api/conversations").json()
    assert {item["id"] for item in supervised["items"]} == {mine.pk, elsewhere.pk}
    assert supervisor.get(f"/api/conversations/{elsewhere.pk}").status_code == 200
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(direction="out", origin="agent").count() == 0


def test_an_agent_of_no_team_sees_no_conversation(
    api_for: ApiFor, webchat_channel: Channel, conversation_on: ConversationOf
) -> None:
    conversation = conversation_on(webchat_channel)
    agent = api_for(Role.AGENT, teams=[])

    assert agent.get("/api/conversations").json() == {"items": [], "count": 0}
    assert agent.get(f"/api/conversations/{conversation.pk}").status_code == 404


@pytest.mark.req("6.5.63.7")
@audits_route("tenant:POST /api/conversations/<conversation_id>/messages")
def test_an_agent_sends_a_text_that_reaches_the_citizen(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = conversation_on(webchat_channel)
    agent = api_for(Role.AGENT)

    with django_capture_on_commit_callbacks(execute=True):
        response = agent.post(
            f"/api/conversations/{conversation.pk}/messages",
            {"text": "Bom dia! Já estamos verificando."},
            content_type="application/json",
        )

    assert response.status_code == 201
    body = response.json()
    assert (body["direction"], body["origin"], body["status"]) == ("out", "agent", "queued")
    with schema_context(tenant_alfa.schema_name):
        message = Message.objects.get(pk=body["id"])
    # WebChat has no receipts: the worker's accepted send is the final "sent".
    assert message.status == "sent"
    assert (message.provider_message_id or "").startswith("wc_")
    assert message.billing_kind == "session"


def test_sending_outside_what_the_channel_allows_is_refused_with_a_code(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
) -> None:
    conversation = conversation_on(webchat_channel)
    agent = api_for(Role.AGENT)

    template = agent.post(
        f"/api/conversations/{conversation.pk}/messages",
        {"template": {"name": "aviso_protocolo"}},
        content_type="application/json",
    )
    empty = agent.post(
        f"/api/conversations/{conversation.pk}/messages",
        {"text": "  "},
        content_type="application/json",
    )

    assert template.status_code == 400
    assert template.json()["code"] == "template_not_supported"
    assert empty.status_code == 400
    assert empty.json() == {
        "detail": "Escreva uma mensagem ou anexe um arquivo.",
        "field": "text",
        "code": "empty",
    }
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(origin="agent").count() == 0


@pytest.mark.req("6.5.63.7")
def test_whatsapp_free_text_after_24_hours_asks_for_a_template(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    from channels.providers.whatsapp.simulator import build_inbound_text
    from tests.pipeline.fixtures import deliver, whatsapp_credentials

    delivery = build_inbound_text(whatsapp_credentials(tenant_alfa, whatsapp_channel), text="Oi")
    with django_capture_on_commit_callbacks(execute=True):
        deliver(public_client, "/webhooks/whatsapp", delivery)
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get(channel=whatsapp_channel)
        ContactIdentity.objects.filter(pk=conversation.identity_id).update(
            last_inbound_at=timezone.now() - timedelta(hours=25)
        )
    agent = api_for(Role.AGENT)

    text = agent.post(
        f"/api/conversations/{conversation.pk}/messages",
        {"text": "Olá?"},
        content_type="application/json",
    )
    template = agent.post(
        f"/api/conversations/{conversation.pk}/messages",
        {"template": {"name": "retomar_atendimento", "language": "pt_BR"}},
        content_type="application/json",
    )

    assert text.status_code == 400
    assert text.json()["code"] == "session_window_closed"
    assert template.status_code == 201
    assert (template.json()["kind"], template.json()["billing_kind"]) == ("template", "template")


@pytest.mark.req("6.5.63.7")
@audits_route("tenant:POST /api/conversations/<conversation_id>/media")
def test_an_agent_sends_an_image_and_oversized_or_wrong_files_are_refused(
    api_for: ApiFor,
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    conversation_on: ConversationOf,
    settings: Any,
) -> None:
    conversation = conversation_on(webchat_channel)
    agent = api_for(Role.AGENT)
    url = f"/api/conversations/{conversation.pk}/media"

    sent = agent.post(
        url, {"file": _upload("foto.png", _png(), "image/png"), "caption": "Segue o mapa"}
    )
    settings.MEDIA_MAX_BYTES = {**settings.MEDIA_MAX_BYTES, "image": 10}
    too_big = agent.post(url, {"file": _upload("grande.png", _png(), "image/png")})
    wrong = agent.post(url, {"file": _upload("virus.exe", b"MZ\x90\x00", "image/x-icon")})

    assert sent.status_code == 201
    media = sent.json()["media"]
    assert (sent.json()["kind"], sent.json()["text"]) == ("image", "Segue o mapa")
    assert (media["mime_type"], media["name"]) == ("image/png", "foto.png")
    assert "/midia/" in media["url"]
    assert too_big.status_code == 413
    assert too_big.json()["field"] == "file"
    assert "limite" in too_big.json()["detail"]
    assert wrong.status_code == 400
    assert "não aceito" in wrong.json()["detail"]
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(origin="agent").count() == 1


def _upload(name: str, content: bytes, content_type: str) -> Any:
    from django.core.files.uploadedfile import SimpleUploadedFile

    return SimpleUploadedFile(name, content, content_type=content_type)


@pytest.mark.req("6.5.63.8")
def test_the_openapi_document_lists_the_endpoints_and_how_to_get_a_token(
    tenant_alfa: Tenant,
) -> None:
    from tests.conftest import host_of

    schema = Client(HTTP_HOST=host_of(tenant_alfa)).get("/api/openapi.json").json()

    for path in (
        "/api/agents",
        "/api/agents/{agent_id}",
        "/api/teams",
        "/api/teams/{team_id}",
        "/api/contacts",
        "/api/contacts/{contact_id}",
        "/api/channels",
        "/api/channels/{channel_id}",
        "/api/conversations",
        "/api/conversations/{conversation_id}",
        "/api/conversations/{conversation_id}/messages",
        "/api/conversations/{conversation_id}/media",
        "/api/auth/token",
    ):
        assert path in schema["paths"], path
    assert "POST /api/auth/token" in schema["info"]["description"]
    assert "Authorization: Bearer" in schema["info"]["description"]
    assert "Bearer" in str(schema["components"]["securitySchemes"])
    create_channel = schema["paths"]["/api/channels"]["post"]
    assert set(create_channel["responses"]) == {"201", "400"}

"""A WebChat visitor's live stream: replies reach that visitor, live, and nobody else (6.5.1,
6.5.30). Real HTTP against uvicorn, with committed data in the live tenant."""

from __future__ import annotations

import json
import secrets
from collections.abc import Callable

import httpx
import pytest
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.models import Channel, ChannelType
from channels.services import WebChatSettings, channel_create
from desk.models import Conversation
from desk.services.outbound import message_send
from security.actors import Actor
from tenants.models import Tenant
from tests.live.server import LiveServer, SseStream, make_committed_user, tenant_host

pytestmark = pytest.mark.usefixtures("committed")

ORIGIN = "https://www.aovivo.gov.br"


@pytest.fixture
def channel(live_tenant: Tenant) -> Channel:
    with schema_context(live_tenant.schema_name):
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WEBCHAT,
            name=f"Chat {secrets.token_hex(2)}",
            webchat=WebChatSettings(allowed_origins=(ORIGIN,), greeting="Olá!"),
        )


class Visitor:
    def __init__(self, server: LiveServer, tenant: Tenant, channel: Channel) -> None:
        self.server = server
        self.host = tenant_host(tenant)
        self.key = channel.account_id
        self.http = httpx.Client(
            base_url=server.base_url, timeout=30, headers={"Host": self.host, "Origin": ORIGIN}
        )
        session = self.http.post(f"/webchat/{self.key}/token", json={}).json()
        self.visitor_id = str(session["visitor_id"])
        self.token = str(session["token"])

    def say(self, text: str) -> httpx.Response:
        body = {
            "client_message_id": "c-" + secrets.token_hex(6),
            "channel_key": self.key,
            "visitor_id": self.visitor_id,
            "text": text,
        }
        return self.http.post(
            f"/webchat/{self.key}/messages",
            content=json.dumps(body),
            headers={"Authorization": f"Bearer {self.token}", "Content-Type": "application/json"},
        )

    def stream(self, open_stream: Callable[..., SseStream]) -> SseStream:
        return open_stream(
            f"{self.server.base_url}/webchat/{self.key}/events?token={self.token}",
            host=self.host,
            headers={"Origin": ORIGIN},
        )


@pytest.mark.req("6.5.1")
@pytest.mark.req("6.5.30")
def test_a_visitor_sees_the_protocol_and_the_agents_reply_live_and_only_theirs(
    asgi_server: LiveServer,
    live_tenant: Tenant,
    channel: Channel,
    sse_streams: Callable[..., SseStream],
) -> None:
    # Given two visitors of the same channel, each listening to their own stream
    maria = Visitor(asgi_server, live_tenant, channel)
    jose = Visitor(asgi_server, live_tenant, channel)
    maria_stream = maria.stream(sse_streams)
    jose_stream = jose.stream(sse_streams)
    assert maria_stream.status_code == 200
    assert maria_stream.headers["access-control-allow-origin"] == ORIGIN

    # When Maria writes for the first time
    assert maria.say("Olá, quero uma segunda via do IPTU").status_code == 200

    # Then she is told her protocol number, live
    with schema_context(live_tenant.schema_name):
        conversation = Conversation.objects.get(
            channel=channel, identity__external_id=maria.visitor_id
        )
    notice = maria_stream.wait_event("webchat.message")
    assert conversation.protocol in notice.json["payload"]["text"]
    assert notice.json["payload"]["visitor_id"] == maria.visitor_id
    assert "audience" not in notice.json

    # When an agent answers her
    agent = make_committed_user(live_tenant, Role.AGENT)
    with schema_context(live_tenant.schema_name):
        message_send(
            actor=Actor(user_id=agent.pk, label=agent.email, via="web"),
            conversation=conversation,
            text="Claro! Informe o número do imóvel.",
        )

    # Then the reply reaches her stream, and José's stream got nothing of hers
    reply = maria_stream.wait_event("webchat.message", text="Claro! Informe o número do imóvel.")
    assert reply.json["payload"]["id"].startswith("wc_")
    assert [event.event for event in jose_stream.received if event.event] == []
    conversation_view = maria.http.get(
        f"/webchat/{maria.key}/conversation", headers={"Authorization": f"Bearer {maria.token}"}
    )
    assert conversation_view.json()["protocol"] == conversation.protocol
    assert [m["text"] for m in conversation_view.json()["messages"]][-1] == (
        "Claro! Informe o número do imóvel."
    )


def test_a_stream_without_a_valid_token_or_from_another_site_is_refused(
    asgi_server: LiveServer,
    live_tenant: Tenant,
    channel: Channel,
    sse_streams: Callable[..., SseStream],
) -> None:
    maria = Visitor(asgi_server, live_tenant, channel)
    base = f"{asgi_server.base_url}/webchat/{channel.account_id}/events"
    host = tenant_host(live_tenant)

    forged = sse_streams(f"{base}?token=v1.x.y", host=host, headers={"Origin": ORIGIN})
    foreign = sse_streams(
        f"{base}?token={maria.token}", host=host, headers={"Origin": "https://outro.example.com"}
    )

    assert forged.status_code == 401
    assert foreign.status_code == 403
    assert maria.visitor_id.startswith("v_")

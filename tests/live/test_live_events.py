"""Live updates over SSE (/ao-vivo/eventos), read by a real HTTP client from uvicorn.

Each test opens real streams against the server and observes the events the pipeline
publishes: a citizen's first WhatsApp message (new conversation, new message), the agent's reply
and its delivery statuses; then who may see what, heartbeats, resume and disconnect.
"""

from __future__ import annotations

import secrets
import time
from collections.abc import Callable, Iterator, Sequence
from typing import Any

import httpx
import pytest
from django.conf import settings
from django_tenants.utils import schema_context

from accounts.roles import Role
from channels.credentials import provider_credentials
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import (
    WhatsAppSimulator,
    build_inbound_text,
    build_status,
)
from channels.services import channel_create
from desk.events import Audience, live_channel, publish
from desk.live import _hubs
from desk.models import Conversation, Message, Team
from desk.services.outbound import message_send
from desk.services.teams import team_create, team_default
from routing.models import TeamMembership
from security.actors import Actor
from tenants.models import Tenant
from tests.live.server import (
    LiveServer,
    SseStream,
    make_committed_user,
    session_cookie,
    tenant_host,
)

pytestmark = pytest.mark.usefixtures("committed")

OpenStream = Callable[..., SseStream]


@pytest.fixture
def whatsapp_sim() -> Iterator[WhatsAppSimulator]:
    with WhatsAppSimulator(phone_number_id=str(10**14 + secrets.randbelow(10**14))) as sim:
        yield sim


@pytest.fixture
def whatsapp_channel(live_tenant: Tenant, whatsapp_sim: WhatsAppSimulator) -> Channel:
    with schema_context(live_tenant.schema_name):
        return channel_create(
            actor=Actor.command("tests"),
            type=ChannelType.WHATSAPP,
            name=f"WhatsApp {secrets.token_hex(2)}",
            mode=ChannelMode.SANDBOX,
            sandbox_base_url=whatsapp_sim.base_url,
            credentials={
                "phone_number_id": whatsapp_sim.phone_number_id,
                "business_account_id": whatsapp_sim.business_account_id,
                "access_token": whatsapp_sim.access_token,
                "app_secret": whatsapp_sim.app_secret,
                "verify_token": whatsapp_sim.verify_token,
            },
        )


def _stream(
    open_stream: OpenStream,
    server: LiveServer,
    tenant: Tenant,
    role: str | None,
    teams: Sequence[Team] | None = None,
    headers: dict[str, str] | None = None,
) -> SseStream:
    """A stream of a new user of `role`; an agent is a member of `teams` (default: the team
    every channel queues for unless told otherwise), as an agent sees only their teams."""
    cookies = {}
    if role is not None:
        user = make_committed_user(tenant, role)
        if role == Role.AGENT:
            with schema_context(tenant.schema_name):
                for team in teams if teams is not None else [team_default()]:
                    TeamMembership.objects.get_or_create(team=team, user=user)
        cookies[settings.SESSION_COOKIE_NAME] = session_cookie(tenant, user)
    return open_stream(
        f"{server.base_url}/ao-vivo/eventos",
        host=tenant_host(tenant),
        cookies=cookies,
        headers=headers or {},
    )


def _post_webhook(server: LiveServer, path: str, body: bytes, headers: dict[str, str]) -> int:
    response = httpx.post(
        f"{server.base_url}{path}",
        content=body,
        headers={**headers, "Host": settings.BASE_DOMAIN},
        timeout=30,
    )
    return response.status_code


def _subscribers(schema_name: str) -> int:
    """Open streams of the schema in this process's live hubs (the server runs in-process).

    Counted here rather than with Redis PUBSUB NUMSUB: pub/sub channels are shared by every
    database of a Redis server, so another test run on the same server would count too."""
    channel = live_channel(schema_name)
    return sum(len(hub._subscriptions.get(channel, ())) for hub in list(_hubs.values()))


def _wait_until(check: Callable[[], bool], timeout: float = 10.0) -> bool:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if check():
            return True
        time.sleep(0.05)
    return check()


@pytest.mark.req("6.5.1")
@pytest.mark.req("6.5.30")
def test_an_agent_sees_a_new_conversation_its_messages_and_delivery_statuses_live(
    asgi_server: LiveServer,
    live_tenant: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    sse_streams: OpenStream,
) -> None:
    # Given an agent and a supervisor connected to the live stream
    agent_stream = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT)
    supervisor_stream = _stream(sse_streams, asgi_server, live_tenant, Role.SUPERVISOR)
    assert agent_stream.status_code == 200
    assert agent_stream.headers["content-type"].startswith("text/event-stream")
    assert _wait_until(lambda: _subscribers(live_tenant.schema_name) == 2)
    with schema_context(live_tenant.schema_name):
        credentials = provider_credentials(Channel.objects.get(pk=whatsapp_channel.pk))
    assert isinstance(credentials, WhatsAppCredentials)
    wa_id = "55119" + str(10**7 + secrets.randbelow(9 * 10**7))

    # When a citizen writes for the first time, through the real webhook
    delivery = build_inbound_text(credentials, text="Olá, prefeitura", from_number=wa_id)
    assert (
        _post_webhook(asgi_server, "/webhooks/whatsapp", delivery.body, dict(delivery.headers))
        == 200
    )

    # Then both see the new conversation with its protocol, and the message
    with schema_context(live_tenant.schema_name):
        conversation = Conversation.objects.get(channel=whatsapp_channel)
    for stream in (agent_stream, supervisor_stream):
        created = stream.wait_event("conversation.created", id=conversation.pk)
        assert created.json["payload"]["protocol"] == conversation.protocol
        assert created.id is not None and int(created.id) > 0
        assert "audience" not in created.json
        message = stream.wait_event(
            "message.created", conversation_id=conversation.pk, direction="in"
        )
        assert message.json["payload"]["text"] == "Olá, prefeitura"

    # And the automatic protocol notice (6.5.30) goes out and is accepted by the provider
    with schema_context(live_tenant.schema_name):
        notice = Message.objects.get(conversation=conversation, direction="out")
    agent_stream.wait_event("message.created", id=notice.pk, origin="system")

    # When the agent replies and the provider reports delivered and read
    agent_user = make_committed_user(live_tenant, Role.AGENT)
    with schema_context(live_tenant.schema_name):
        reply = message_send(
            actor=Actor(user_id=agent_user.pk, label=agent_user.email, via="web"),
            conversation=conversation,
            text="Bom dia! Como posso ajudar?",
        )
        reply.refresh_from_db()
    assert reply.provider_message_id
    for status in ("sent", "delivered", "read"):
        receipt = build_status(
            credentials, message_id=reply.provider_message_id, status=status, recipient_id=wa_id
        )
        assert (
            _post_webhook(asgi_server, "/webhooks/whatsapp", receipt.body, dict(receipt.headers))
            == 200
        )

    # Then the agent sees the reply and each status as it happens
    agent_stream.wait_event("message.created", id=reply.pk, direction="out")
    agent_stream.wait_event("message.status", message_id=reply.pk, status="sent")
    agent_stream.wait_event("message.status", message_id=reply.pk, status="delivered")
    agent_stream.wait_event("message.status", message_id=reply.pk, status="read")
    supervisor_stream.wait_event("message.status", message_id=reply.pk, status="read")


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (None, 401),
        ("forged", 401),
        (Role.AGENT, 200),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
        (Role.AUDITOR, 403),
    ],
)
def test_who_may_open_the_stream(
    asgi_server: LiveServer,
    live_tenant: Tenant,
    sse_streams: OpenStream,
    who: str | None,
    expected: int,
) -> None:
    if who == "forged":
        # A session of another tenant is unknown here, like any made-up one.
        stream = sse_streams(
            f"{asgi_server.base_url}/ao-vivo/eventos",
            host=tenant_host(live_tenant),
            cookies={settings.SESSION_COOKIE_NAME: secrets.token_hex(16)},
        )
    else:
        stream = _stream(sse_streams, asgi_server, live_tenant, who)

    assert stream.status_code == expected


@pytest.mark.req("6.5.37.6")
def test_events_are_scoped_to_what_each_user_may_see(
    asgi_server: LiveServer, live_tenant: Tenant, sse_streams: OpenStream
) -> None:
    # Given two teams, an agent who is a member of the first only, and a supervisor of none
    with schema_context(live_tenant.schema_name):
        actor = Actor.command("tests")
        mine = team_create(actor=actor, name=f"Equipe A {secrets.token_hex(3)}")
        other = team_create(actor=actor, name=f"Equipe B {secrets.token_hex(3)}")
    agent = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT, teams=[mine])
    supervisor = _stream(sse_streams, asgi_server, live_tenant, Role.SUPERVISOR)
    assert _wait_until(lambda: _subscribers(live_tenant.schema_name) == 2)
    marker = f"marcador{secrets.token_hex(4)}"  # all digits would be masked as a phone

    # When events are published for each team, for a WebChat visitor, and on another tenant
    schema = live_tenant.schema_name
    publish(
        "message.created",
        {"id": 1, "conversation_id": 10**9, "text": f"{marker}-other"},
        Audience(teams=[other.pk]),
        schema_name=schema,
    )
    publish(
        "conversation.routing",
        {"conversation_id": 10**9, "event": "assigned", "text": f"{marker}-other-routing"},
        Audience(teams=[other.pk]),
        schema_name=schema,
    )
    publish(
        "webchat.message",
        {"id": "wc_1", "text": f"{marker}-visitor"},
        Audience(roles=(), webchat={"channel_key": "ck_x", "visitor_id": "v_x"}),
        schema_name=schema,
    )
    publish(
        "message.created",
        {"id": 2, "text": f"{marker}-beta"},
        Audience(teams=[mine.pk, other.pk]),
        schema_name="beta",
    )
    publish(
        "message.created",
        {"id": 3, "text": f"{marker}-mine"},
        Audience(teams=[mine.pk]),
        schema_name=schema,
    )

    # Then the agent receives only its team's event; the supervisor both teams' events
    agent_event = agent.wait_event("message.created", text=f"{marker}-mine")
    supervisor.wait_event("message.created", text=f"{marker}-other")
    supervisor.wait_event("message.created", text=f"{marker}-mine")
    agent_texts = [event.json["payload"].get("text") for event in agent.received if event.event]
    assert agent_texts == [f"{marker}-mine"]
    supervisor_texts = [
        event.json["payload"].get("text") for event in supervisor.received if event.event
    ]
    assert supervisor_texts == [f"{marker}-other", f"{marker}-other-routing", f"{marker}-mine"]
    assert agent_event.json["type"] == "message.created"
    with schema_context(schema):
        assert Team.objects.filter(pk__in=[mine.pk, other.pk]).count() == 2


@pytest.mark.req("6.5.37.6")
def test_an_agent_never_hears_another_teams_conversation(
    asgi_server: LiveServer,
    live_tenant: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    sse_streams: OpenStream,
) -> None:
    # Given the WhatsApp channel queues for the default team; one agent is a member of it,
    # another of a different team only
    with schema_context(live_tenant.schema_name):
        tributos = team_create(
            actor=Actor.command("tests"), name=f"Tributos {secrets.token_hex(3)}"
        )
    member = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT)
    outsider = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT, teams=[tributos])
    assert _wait_until(lambda: _subscribers(live_tenant.schema_name) == 2)
    with schema_context(live_tenant.schema_name):
        credentials = provider_credentials(Channel.objects.get(pk=whatsapp_channel.pk))
    assert isinstance(credentials, WhatsAppCredentials)
    wa_id = "55119" + str(10**7 + secrets.randbelow(9 * 10**7))

    # When a citizen writes through the real webhook and the reply goes out
    delivery = build_inbound_text(credentials, text="Quero falar do IPTU", from_number=wa_id)
    assert (
        _post_webhook(asgi_server, "/webhooks/whatsapp", delivery.body, dict(delivery.headers))
        == 200
    )
    with schema_context(live_tenant.schema_name):
        conversation = Conversation.objects.get(channel=whatsapp_channel)
    member.wait_event("conversation.created", id=conversation.pk)
    member.wait_event("message.created", conversation_id=conversation.pk, direction="in")
    # A marker on the outsider's team, published last: once it arrives, everything before it
    # was filtered already (one stream delivers in order). Letters first: eight hex digits
    # alone can be all digits, which the agent's masker hides as a phone number.
    marker = f"marcador{secrets.token_hex(4)}"
    publish(
        "message.created",
        {"id": 0, "text": marker},
        Audience(teams=[tributos.pk]),
        schema_name=live_tenant.schema_name,
    )

    # Then the outsider received nothing about the conversation, only its own team's event
    outsider.wait_event("message.created", text=marker)
    assert [event.json["payload"].get("text") for event in outsider.received if event.event] == [
        marker
    ]


def test_heartbeats_keep_an_idle_stream_alive(
    asgi_server: LiveServer, live_tenant: Tenant, sse_streams: OpenStream, settings: Any
) -> None:
    settings.LIVE_HEARTBEAT_SECONDS = 0.2
    stream = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT)

    first = stream.wait_for(lambda event: event.comment == "ping")
    second = stream.wait_for(lambda event: event.comment == "ping")

    assert first is not second
    assert [event.event for event in stream.received if event.event] == []


def test_a_stream_resumes_after_the_last_event_id_it_saw(
    asgi_server: LiveServer, live_tenant: Tenant, sse_streams: OpenStream
) -> None:
    # Given three events published while the agent was away, the first of which it saw
    schema = live_tenant.schema_name
    with schema_context(schema):
        team = team_create(actor=Actor.command("tests"), name=f"Equipe {secrets.token_hex(3)}")
    marker = f"marcador{secrets.token_hex(4)}"  # all digits would be masked as a phone
    watcher = _stream(sse_streams, asgi_server, live_tenant, Role.SUPERVISOR)
    assert _wait_until(lambda: _subscribers(schema) == 1)
    for number in range(3):
        publish(
            "message.created",
            {"id": number, "text": f"{marker}-{number}"},
            Audience(teams=[team.pk]),
            schema_name=schema,
        )
    seen = watcher.wait_event("message.created", text=f"{marker}-0")
    watcher.wait_event("message.created", text=f"{marker}-2")

    # When it reconnects with Last-Event-ID
    resumed = _stream(
        sse_streams,
        asgi_server,
        live_tenant,
        Role.AGENT,
        teams=[team],
        headers={"Last-Event-ID": str(seen.id)},
    )

    # Then it receives the two it missed, in order, with their ids, and nothing twice
    second = resumed.wait_event("message.created", text=f"{marker}-1")
    third = resumed.wait_event("message.created", text=f"{marker}-2")
    assert int(second.id or 0) == int(seen.id or 0) + 1
    assert int(third.id or 0) == int(seen.id or 0) + 2
    assert [e.json["payload"]["text"] for e in resumed.received if e.event] == [
        f"{marker}-1",
        f"{marker}-2",
    ]


def test_a_resume_too_old_for_the_replay_asks_the_page_to_reload(
    asgi_server: LiveServer, live_tenant: Tenant, sse_streams: OpenStream, settings: Any
) -> None:
    settings.LIVE_REPLAY_SIZE = 2
    schema = live_tenant.schema_name
    for number in range(3):
        publish("conversation.updated", {"id": number}, Audience(teams=[1]), schema_name=schema)

    stream = _stream(
        sse_streams, asgi_server, live_tenant, Role.SUPERVISOR, headers={"Last-Event-ID": "1"}
    )

    reset = stream.wait_for(lambda event: event.event == "reset")
    assert reset.json == {"reason": "gap"}


def test_a_closed_connection_releases_its_subscription_and_long_streams_end(
    asgi_server: LiveServer, live_tenant: Tenant, sse_streams: OpenStream, settings: Any
) -> None:
    schema = live_tenant.schema_name
    assert _wait_until(lambda: _subscribers(schema) == 0)
    stream = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT)
    assert _wait_until(lambda: _subscribers(schema) == 1)

    stream.close()

    assert _wait_until(lambda: _subscribers(schema) == 0)
    # The hub let go of its Redis subscription too.
    assert _wait_until(lambda: all(hub._pubsub is None for hub in list(_hubs.values())))

    settings.LIVE_MAX_STREAM_SECONDS = 0.3
    short = _stream(sse_streams, asgi_server, live_tenant, Role.AGENT)
    short.wait_end()
    assert _wait_until(lambda: _subscribers(schema) == 0)

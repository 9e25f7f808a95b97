"""A citizen writes on WhatsApp, gets a protocol number, an agent answers, the answer is
delivered and read, and the agents' screens are told each step over the live channel."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from billing.models import UsageRecord
from channels.models import Channel
from channels.providers.whatsapp.simulator import (
    WhatsAppSimulator,
    build_inbound_text,
    build_status,
)
from desk.models import Conversation, Message
from desk.services.outbound import message_send
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials


@pytest.mark.req("6.5.1")
@pytest.mark.req("6.5.30")
@pytest.mark.req("6.6.3.7")
def test_citizen_on_whatsapp_gets_a_protocol_and_an_answer_that_is_read(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    live_events: Any,
    make_user: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    screen = live_events(tenant_alfa)

    # 1. Maria writes to the municipality on WhatsApp
    with django_capture_on_commit_callbacks(execute=True):
        response = deliver(
            public_client,
            "/webhooks/whatsapp",
            build_inbound_text(
                credentials, text="Tem um buraco enorme na minha rua", name="Maria da Silva"
            ),
        )
    assert response.status_code == 200

    # 2. a conversation opens with a protocol number, and Maria is told the number
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.select_related("contact").get()
    assert conversation.status == "queued"
    assert conversation.team_id == whatsapp_channel.default_team_id
    assert conversation.contact.name == "Maria da Silva"
    assert conversation.contact.phone == "+5511987654321"
    notice = whatsapp_sim.sent[0]
    assert notice["to"] == "5511987654321"
    assert conversation.protocol in notice["text"]["body"]

    # 3. an agent answers from the console
    with schema_context(tenant_alfa.schema_name), django_capture_on_commit_callbacks(execute=True):
        reply = message_send(
            actor=Actor(user_id=agent.pk, label=agent.email, via="web"),
            conversation=conversation,
            text="Olá, Maria! Já encaminhamos para a equipe de obras.",
        )
    assert whatsapp_sim.sent[1]["text"]["body"] == (
        "Olá, Maria! Já encaminhamos para a equipe de obras."
    )
    with schema_context(tenant_alfa.schema_name):
        wamid = str(Message.objects.get(pk=reply.pk).provider_message_id)

    # 4. WhatsApp reports the answer delivered, then read (signed status webhooks)
    for status in ("delivered", "read"):
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(
                public_client,
                "/webhooks/whatsapp",
                build_status(credentials, message_id=wamid, status=status),
            )
        assert response.status_code == 200
    with schema_context(tenant_alfa.schema_name):
        read = Message.objects.get(pk=reply.pk)
    assert read.status == "read"
    assert read.delivered_at is not None and read.read_at is not None

    # 5. every step reached the agents' live channel, addressed to the conversation's team
    events = screen.collect(wait_for=10)
    steps = [
        (event["type"], event["payload"].get("status"), event["payload"].get("direction"))
        for event in events
        if event["payload"].get("conversation_id", event["payload"].get("id")) == conversation.pk
    ]
    assert steps == [
        ("conversation.created", "queued", None),
        ("message.created", "received", "in"),
        ("conversation.routing", None, None),  # queued in its team (routing, docs/adr/0060)
        ("message.created", "queued", "out"),  # the protocol notice
        ("message.status", "queued", None),  # accepted by WhatsApp
        ("message.created", "queued", "out"),  # the agent's answer
        ("message.status", "queued", None),
        ("message.status", "delivered", None),
        ("message.status", "read", None),
    ]
    assert {tuple(event["audience"]["teams"]) for event in events} == {
        (whatsapp_channel.default_team_id,)
    }

    # 6. three session messages metered: Maria's, the notice (system) and the answer (agent)
    records = UsageRecord.objects.filter(
        tenant=tenant_alfa, message_key__startswith=f"{whatsapp_channel.pk}:"
    )
    assert sorted(records.values_list("kind", "direction", "origin", "agent_id")) == [
        ("session", "inbound", "contact", None),
        ("session", "outbound", "agent", agent.pk),
        ("session", "outbound", "system", None),
    ]

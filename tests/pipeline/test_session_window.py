"""The 24-hour session window (6.6.3.3 to 6.6.3.10), on both sides of the boundary, with the
server clock frozen (django.utils.timezone.now patched), and the billing kind it decides."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import UTC, datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from channels.models import Channel
from channels.providers.telegram.simulator import TelegramSimulator, build_update_text
from channels.providers.whatsapp.simulator import WhatsAppSimulator
from desk.errors import SESSION_WINDOW_CLOSED_MESSAGE, MessageRefused
from desk.models import ContactIdentity, Conversation, Message, Outbox
from desk.services.metering import outbound_message_key
from desk.services.outbound import TemplateSpec, message_send
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, telegram_credentials, whatsapp_inbound

T0 = datetime(2026, 5, 4, 13, 30, tzinfo=UTC)  # 10:30 in Sao Paulo
AGENT = Actor(user_id=None, label="Central de atendimento", via="system")


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _citizen_writes_at(
    at: datetime, client: Client, tenant: Tenant, channel: Channel, capture: Any, text: str
) -> Conversation:
    with clock(at):
        return whatsapp_inbound(
            client, tenant, channel, capture, text=text, timestamp=int(at.timestamp())
        )


def _send(
    tenant: Tenant, conversation: Conversation, capture: Any, at: datetime, **content: Any
) -> Message:
    with clock(at), schema_context(tenant.schema_name), capture(execute=True):
        return message_send(actor=AGENT, conversation=conversation, **content)


def _outbound_usage(tenant: Tenant, message: Message) -> list[tuple[str, str, str]]:
    return list(
        UsageRecord.objects.filter(
            tenant=tenant, message_key=outbound_message_key(message.channel_id, message.pk)
        ).values_list("kind", "direction", "origin")
    )


@pytest.mark.req("6.6.3.4")
@pytest.mark.req("6.6.3.5")
@pytest.mark.req("6.6.3.6")
def test_inbound_message_opens_the_window_for_exactly_24_hours(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _citizen_writes_at(
        T0, public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks, "oi"
    )

    with schema_context(tenant_alfa.schema_name):
        identity = ContactIdentity.objects.get(pk=conversation.identity_id)
        inbound = Message.objects.get(direction="in")
    assert identity.last_inbound_at == T0
    assert inbound.billing_kind == "session"
    usage = UsageRecord.objects.get(
        tenant=tenant_alfa, message_key=f"{whatsapp_channel.pk}:{inbound.provider_message_id}"
    )
    assert (usage.kind, usage.direction, usage.origin, usage.occurred_at) == (
        "session",
        "inbound",
        "contact",
        T0,
    )


@pytest.mark.req("6.6.3.3")
@pytest.mark.req("6.6.3.7")
def test_free_text_one_second_before_the_boundary_is_a_session_message(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _citizen_writes_at(
        T0, public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks, "oi"
    )
    last_second = T0 + timedelta(hours=24) - timedelta(seconds=1)

    reply = _send(
        tenant_alfa,
        conversation,
        django_capture_on_commit_callbacks,
        last_second,
        text="Ainda dentro da janela",
    )

    assert reply.billing_kind == "session"
    assert whatsapp_sim.sent[-1]["text"]["body"] == "Ainda dentro da janela"
    assert _outbound_usage(tenant_alfa, reply) == [("session", "outbound", "system")]


@pytest.mark.req("6.6.3.7")
@pytest.mark.req("6.6.3.10")
def test_free_text_at_the_boundary_is_refused_before_queuing(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _citizen_writes_at(
        T0, public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks, "oi"
    )
    with schema_context(tenant_alfa.schema_name):
        before = (Message.objects.count(), Outbox.objects.count())
    sent_before = len(whatsapp_sim.requests)

    with pytest.raises(MessageRefused) as refused:
        _send(
            tenant_alfa,
            conversation,
            django_capture_on_commit_callbacks,
            T0 + timedelta(hours=24),
            text="Tarde demais",
        )

    assert refused.value.code == "session_window_closed"
    assert refused.value.message == str(SESSION_WINDOW_CLOSED_MESSAGE)
    assert "modelo (template) aprovado" in refused.value.message
    with schema_context(tenant_alfa.schema_name):
        assert (Message.objects.count(), Outbox.objects.count()) == before
    assert len(whatsapp_sim.requests) == sent_before


@pytest.mark.req("6.6.3.10")
def test_template_outside_the_window_is_sent_and_billed_as_template(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _citizen_writes_at(
        T0, public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks, "oi"
    )
    template = TemplateSpec(
        name="lembrete_protocolo",
        language="pt_BR",
        components=({"type": "body", "parameters": [{"type": "text", "text": "20260504-000001"}]},),
    )

    message = _send(
        tenant_alfa,
        conversation,
        django_capture_on_commit_callbacks,
        T0 + timedelta(hours=30),
        template=template,
    )

    assert (message.kind, message.billing_kind, message.template_name) == (
        "template",
        "template",
        "lembrete_protocolo",
    )
    assert whatsapp_sim.sent[-1] == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511987654321",
        "type": "template",
        "template": {
            "name": "lembrete_protocolo",
            "language": {"code": "pt_BR"},
            "components": [
                {"type": "body", "parameters": [{"type": "text", "text": "20260504-000001"}]}
            ],
        },
    }
    assert _outbound_usage(tenant_alfa, message) == [("template", "outbound", "system")]


def test_a_new_inbound_message_reopens_the_window(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _citizen_writes_at(
        T0, public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks, "oi"
    )
    later = T0 + timedelta(hours=30)
    _citizen_writes_at(
        later,
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        "voltei",
    )

    reply = _send(
        tenant_alfa,
        conversation,
        django_capture_on_commit_callbacks,
        later + timedelta(hours=23),
        text="Respondendo",
    )

    assert reply.billing_kind == "session"


def test_templates_are_refused_when_the_contract_forbids_them(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = _citizen_writes_at(
        T0, public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks, "oi"
    )

    with (
        mock.patch("desk.services.metering.template_allowed", return_value=False),
        pytest.raises(MessageRefused) as refused,
    ):
        _send(
            tenant_alfa,
            conversation,
            django_capture_on_commit_callbacks,
            T0 + timedelta(hours=30),
            template=TemplateSpec(name="aviso"),
        )

    assert refused.value.code == "templates_not_allowed"
    with schema_context(tenant_alfa.schema_name):
        assert not Message.objects.filter(kind="template").exists()


@pytest.mark.req("6.6.3.10")
def test_telegram_outside_the_window_sends_text_billed_as_an_active_message(
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    telegram_sim: TelegramSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    with clock(T0), django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            f"/webhooks/telegram/{telegram_channel.account_id}",
            build_update_text(credentials, text="oi", date=int(T0.timestamp())),
        )
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get(channel=telegram_channel)

    inside = _send(
        tenant_alfa,
        conversation,
        django_capture_on_commit_callbacks,
        T0 + timedelta(hours=2),
        text="Dentro",
    )
    outside = _send(
        tenant_alfa,
        conversation,
        django_capture_on_commit_callbacks,
        T0 + timedelta(hours=25),
        text="Fora",
    )

    assert [inside.billing_kind, outside.billing_kind] == ["session", "template"]
    assert [params["text"] for method, params in telegram_sim.sent[-2:]] == ["Dentro", "Fora"]
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.get(pk=outside.pk).status == "sent"
    with (
        mock.patch("desk.services.metering.template_allowed", return_value=False),
        pytest.raises(MessageRefused) as refused,
    ):
        _send(
            tenant_alfa,
            conversation,
            django_capture_on_commit_callbacks,
            T0 + timedelta(hours=26),
            text="Sem contrato",
        )
    assert refused.value.code == "templates_not_allowed"

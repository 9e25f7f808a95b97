"""Outbound: exact payloads and auth at the simulated providers, retries and backoff on rate
limits, permanent failures with the provider's reason, leases, sandbox routing (6.8.5)."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime, timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.roles import Role
from billing.models import UsageRecord
from channels.credentials import provider_credentials
from channels.models import Channel, ChannelMode
from channels.providers.errors import AuthenticationFailed
from channels.providers.telegram.simulator import TelegramSimulator, build_update_text
from channels.providers.webchat.simulator import build_webchat_message
from channels.providers.whatsapp.simulator import WhatsAppSimulator
from desk.errors import SESSION_WINDOW_CLOSED_MESSAGE, MessageRefused
from desk.models import Conversation, Message, Outbox
from desk.services.media import media_file_store, media_link_resolve
from desk.services.metering import outbound_message_key
from desk.services.outbound import message_send
from desk.services.outbox import backoff_seconds, outbox_deliver
from desk.services.sweeps import outbox_sweep_all_tenants
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.pipeline.fixtures import (
    deliver,
    telegram_credentials,
    webchat_credentials,
    whatsapp_inbound,
)

SYSTEM = Actor.system("testes")


@contextmanager
def clock(at: datetime) -> Iterator[None]:
    with mock.patch("django.utils.timezone.now", return_value=at):
        yield


def _reply(
    tenant: Tenant,
    conversation: Conversation,
    capture: Any,
    *,
    send_now: bool = True,
    actor: Actor = SYSTEM,
    **content: Any,
) -> Message:
    with schema_context(tenant.schema_name), capture(execute=send_now):
        return message_send(actor=actor, conversation=conversation, **content)


def _fresh(tenant: Tenant, message: Message) -> Message:
    with schema_context(tenant.schema_name):
        return Message.objects.select_related("outbox").get(pk=message.pk)


def _usage(tenant: Tenant, message: Message) -> list[tuple[str, str, str, int | None, str]]:
    return list(
        UsageRecord.objects.filter(
            tenant=tenant, message_key=outbound_message_key(message.channel_id, message.pk)
        ).values_list("kind", "direction", "origin", "agent_id", "agent_name")
    )


@pytest.mark.req("6.8.5")
def test_whatsapp_reply_reaches_the_simulator_with_the_exact_payload_and_token(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    make_user: Any,
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    requests_before = len(whatsapp_sim.requests)

    reply = _reply(
        tenant_alfa,
        conversation,
        django_capture_on_commit_callbacks,
        actor=Actor(user_id=agent.pk, label=agent.email, via="web", ip="10.0.0.1"),
        text="Bom dia! Como posso ajudar? 😊",
    )

    [request] = whatsapp_sim.requests[requests_before:]
    assert (request.method, request.path) == (
        "POST",
        f"/v21.0/{whatsapp_sim.phone_number_id}/messages",
    )
    assert request.header("Authorization") == f"Bearer {whatsapp_sim.access_token}"
    assert request.json == {
        "messaging_product": "whatsapp",
        "recipient_type": "individual",
        "to": "5511987654321",
        "type": "text",
        "text": {"preview_url": False, "body": "Bom dia! Como posso ajudar? 😊"},
    }
    sent = _fresh(tenant_alfa, reply)
    # WhatsApp reports sent/delivered/read later: accepted, still waiting for the receipts
    assert sent.status == "queued"
    assert sent.accepted_at is not None
    assert str(sent.provider_message_id).startswith("wamid.")
    assert (sent.origin, sent.sender_user_id, sent.sender_name) == (
        "agent",
        agent.pk,
        agent.full_name,
    )
    assert sent.outbox.done_at is not None
    assert _usage(tenant_alfa, sent) == [
        ("session", "outbound", "agent", agent.pk, agent.full_name)
    ]
    with schema_context(tenant_alfa.schema_name):
        audit = AuditEntry.objects.get(action="message.send", object_id=str(reply.pk))
    assert (audit.actor_id, audit.ip) == (agent.pk, "10.0.0.1")


@pytest.mark.req("6.8.5")
def test_sandbox_channels_send_to_the_simulator_and_live_ones_to_the_provider(
    tenant_alfa: Tenant, whatsapp_channel: Channel, whatsapp_sim: WhatsAppSimulator
) -> None:
    with schema_context(tenant_alfa.schema_name):
        sandbox = provider_credentials(whatsapp_channel)
        whatsapp_channel.mode = ChannelMode.LIVE
        live = provider_credentials(whatsapp_channel)

    assert sandbox.api_base_url == whatsapp_sim.base_url  # type: ignore[union-attr]
    assert live.api_base_url == "https://graph.facebook.com"  # type: ignore[union-attr]


def test_telegram_reply_is_sent_and_final_at_once(
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    telegram_sim: TelegramSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            f"/webhooks/telegram/{telegram_channel.account_id}",
            build_update_text(credentials, text="Oi", chat_id=777001),
        )
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get(channel=telegram_channel)

    reply = _reply(
        tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Olá pelo Telegram"
    )

    method, params = telegram_sim.sent[-1]
    assert (method, params) == (
        "sendMessage",
        {
            "chat_id": 777001,
            "text": "Olá pelo Telegram",
            "link_preview_options": {"is_disabled": True},
        },
    )
    assert telegram_sim.requests[-1].path == f"/bot{telegram_sim.bot_token}/sendMessage"
    sent = _fresh(tenant_alfa, reply)
    assert (sent.status, sent.provider_message_id) == (
        "sent",
        f"777001:{1001 + len(telegram_sim.sent) - 1}",
    )


def test_webchat_reply_is_pushed_to_the_visitor(
    tenant_alfa: Tenant,
    webchat_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    live_events: Any,
) -> None:
    credentials = webchat_credentials(tenant_alfa, webchat_channel)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            f"/webhooks/webchat/{webchat_channel.account_id}",
            build_webchat_message(credentials, visitor_id="v_maria", text="Oi"),
        )
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get(channel=webchat_channel)
    events = live_events(tenant_alfa)

    reply = _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Olá, Maria")

    pushed = [event for event in events.collect(wait_for=3) if event["type"] == "webchat.message"]
    assert len(pushed) == 1
    assert pushed[0]["audience"]["webchat"] == {
        "channel_key": webchat_channel.account_id,
        "visitor_id": "v_maria",
    }
    assert (pushed[0]["payload"]["text"], pushed[0]["payload"]["kind"]) == ("Olá, Maria", "text")
    assert _fresh(tenant_alfa, reply).status == "sent"


@pytest.mark.req("6.6.3.7")
def test_rate_limited_send_backs_off_then_succeeds_exactly_once(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    accepted_before = len(whatsapp_sim.sent)
    whatsapp_sim.fail_next("rate_limited")  # Graph error 130429
    now = timezone.now()

    # when the first try meets the rate limit
    with clock(now):
        reply = _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Oi")
    waiting = _fresh(tenant_alfa, reply)
    assert (waiting.status, waiting.provider_message_id) == ("queued", None)
    assert (waiting.outbox.attempts, waiting.outbox.done_at) == (1, None)
    assert waiting.outbox.next_attempt_at == now + timedelta(seconds=backoff_seconds(1))
    assert waiting.outbox.last_error.startswith("130429: ")
    assert len(whatsapp_sim.sent) == accepted_before

    # then a worker running early does nothing, and one after the backoff sends it
    with schema_context(tenant_alfa.schema_name):
        with clock(now + timedelta(seconds=1)):
            early = outbox_deliver(waiting.outbox.pk)
        with clock(now + timedelta(seconds=3)), django_capture_on_commit_callbacks(execute=True):
            later = outbox_deliver(waiting.outbox.pk)
            again = outbox_deliver(waiting.outbox.pk)

    assert (early, later, again) == ("skipped", "sent", "skipped")
    assert [body["text"]["body"] for body in whatsapp_sim.sent[accepted_before:]] == ["Oi"]
    sent = _fresh(tenant_alfa, reply)
    assert sent.outbox.attempts == 2
    assert str(sent.provider_message_id).startswith("wamid.")
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(direction="out", text="Oi").count() == 1
    assert len(_usage(tenant_alfa, sent)) == 1


def test_telegram_retry_after_is_honoured(
    tenant_alfa: Tenant,
    telegram_channel: Channel,
    telegram_sim: TelegramSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = telegram_credentials(tenant_alfa, telegram_channel)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            f"/webhooks/telegram/{telegram_channel.account_id}",
            build_update_text(credentials, text="Oi"),
        )
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get(channel=telegram_channel)
    telegram_sim.fail_next("rate_limited")  # 429, parameters.retry_after = 5
    now = timezone.now()

    with clock(now):
        reply = _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Oi")

    outbox = _fresh(tenant_alfa, reply).outbox
    assert outbox.next_attempt_at == now + timedelta(seconds=5)
    assert outbox.last_error == "429: Too Many Requests: retry after 5"


@pytest.mark.parametrize(
    ("mode", "code", "user_message"),
    [
        ("auth", "190", str(AuthenticationFailed.user_message)),
        ("session_window_closed", "131047", str(SESSION_WINDOW_CLOSED_MESSAGE)),
    ],
)
def test_a_permanent_refusal_fails_the_message_with_the_providers_reason(
    mode: str,
    code: str,
    user_message: str,
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    whatsapp_sim.fail_next(mode)

    reply = _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Oi")

    failed = _fresh(tenant_alfa, reply)
    assert (failed.status, failed.error_code, failed.error_message) == (
        "failed",
        code,
        user_message,
    )
    assert failed.error_title  # the provider's own words, kept as sent
    assert failed.outbox.done_at is not None
    assert _usage(tenant_alfa, failed) == []


def test_retries_stop_after_the_configured_attempts(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.OUTBOX_MAX_ATTEMPTS = 3
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    whatsapp_sim.fail_next("server_error", times=3)
    now = timezone.now()
    with clock(now):
        reply = _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Oi")
    outbox_id = _fresh(tenant_alfa, reply).outbox.pk

    with schema_context(tenant_alfa.schema_name), django_capture_on_commit_callbacks():
        outcomes = []
        for minutes in (1, 2):
            with clock(now + timedelta(minutes=minutes)):
                outcomes.append(outbox_deliver(outbox_id))

    assert outcomes == ["retry", "failed"]
    failed = _fresh(tenant_alfa, reply)
    assert (failed.status, failed.error_code, failed.outbox.attempts) == ("failed", "131000", 3)


def test_an_expired_lease_is_swept_and_sent_once(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    now = timezone.now()
    # given a reply whose worker claimed it and died before calling the provider
    with clock(now):
        reply = _reply(
            tenant_alfa, conversation, django_capture_on_commit_callbacks, send_now=False, text="Oi"
        )
    with schema_context(tenant_alfa.schema_name):
        Outbox.objects.filter(message=reply).update(
            locked_until=now + timedelta(seconds=120), attempts=1
        )
    accepted_before = len(whatsapp_sim.sent)

    with clock(now + timedelta(seconds=60)), django_capture_on_commit_callbacks(execute=True):
        while_leased = outbox_sweep_all_tenants()
    with clock(now + timedelta(seconds=121)), django_capture_on_commit_callbacks(execute=True):
        after_expiry = outbox_sweep_all_tenants()

    assert (while_leased, after_expiry) == (0, 1)
    assert len(whatsapp_sim.sent) == accepted_before + 1
    assert _fresh(tenant_alfa, reply).outbox.attempts == 2


def test_sandbox_channel_without_a_simulator_fails_with_a_clear_reason(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    settings.CHANNELS_SANDBOX_URLS = {"whatsapp": "", "telegram": ""}
    with schema_context(tenant_alfa.schema_name):
        Channel.objects.filter(pk=whatsapp_channel.pk).update(sandbox_base_url="")

    reply = _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, text="Oi")

    failed = _fresh(tenant_alfa, reply)
    assert (failed.status, failed.error_code) == ("failed", "channel_config")
    assert "simulador" in failed.error_message


@pytest.mark.parametrize(
    ("content", "code"),
    [({"text": "   "}, "empty"), ({"text": "x" * 4097}, "text_too_long")],
)
def test_invalid_content_is_refused_and_nothing_is_queued(
    content: dict[str, Any],
    code: str,
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    with schema_context(tenant_alfa.schema_name):
        count = Outbox.objects.count()
        with pytest.raises(MessageRefused) as refused:
            message_send(actor=SYSTEM, conversation=conversation, **content)
        assert Outbox.objects.count() == count
    assert refused.value.code == code


def test_closed_conversation_refuses_replies(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    with schema_context(tenant_alfa.schema_name):
        Conversation.objects.filter(pk=conversation.pk).update(status="closed")
        with pytest.raises(MessageRefused) as refused:
            message_send(actor=SYSTEM, conversation=conversation, text="Oi")
    assert refused.value.code == "conversation_closed"


def test_outbound_image_goes_as_a_signed_link_the_provider_can_fetch(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    whatsapp_channel: Channel,
    whatsapp_sim: WhatsAppSimulator,
    public_client: Client,
    client_for: Any,
    django_capture_on_commit_callbacks: Any,
) -> None:
    conversation = whatsapp_inbound(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    with schema_context(tenant_alfa.schema_name):
        image = media_file_store(
            content=b"\x89PNG-bytes", mime_type="image/png", kind="image", original_name="mapa.png"
        )

    _reply(tenant_alfa, conversation, django_capture_on_commit_callbacks, media=image, text="Mapa")

    payload = whatsapp_sim.sent[-1]
    assert (payload["type"], payload["image"]["caption"]) == ("image", "Mapa")
    base = "http://alfa.localhost:8000/midia/"
    assert payload["image"]["link"].startswith(base)
    token = payload["image"]["link"].removeprefix(base)
    with schema_context(tenant_alfa.schema_name):
        assert media_link_resolve(token) == image
    fetched = client_for(tenant_alfa).get(f"/midia/{token}")
    assert (fetched.status_code, fetched["Content-Type"]) == (200, "image/png")
    assert b"".join(fetched.streaming_content) == b"\x89PNG-bytes"
    assert client_for(tenant_alfa).get(f"/midia/{token}x").status_code == 404
    # a link of another tenant's file does not open here
    assert client_for(tenant_beta).get(f"/midia/{token}").status_code == 404

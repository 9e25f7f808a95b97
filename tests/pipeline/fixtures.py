"""Fixtures shared by the pipeline, channel and scenario tests.

Imported by `tests/pipeline/conftest.py` and `tests/channels/conftest.py` (and directly by the
scenario test): channels of tenant "alfa" wired to the provider simulators on 127.0.0.1, a
client on the public host that posts webhooks exactly as providers do, and a subscriber to the
tenant's live-event channel on the real Redis.
"""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import redis
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from channels.credentials import provider_credentials
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.base import WebhookDelivery
from channels.providers.http import HttpClient, HttpTimeouts
from channels.providers.telegram.credentials import TelegramCredentials
from channels.providers.telegram.simulator import TelegramSimulator
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import WhatsAppSimulator
from channels.services import WebChatSettings, channel_create
from desk.events import live_channel
from security.actors import Actor
from tenants.models import Tenant

WEBCHAT_ORIGIN = "https://www.alfa.gov.br"
TELEGRAM_WEBHOOK_BASE = "https://plataforma.example.test"


def deliver(client: Client, path: str, delivery: WebhookDelivery) -> Any:
    """POSTs a webhook body and its headers exactly as built (bytes untouched)."""
    headers = {k: v for k, v in delivery.headers.items() if k.lower() != "content-type"}
    content_type = delivery.headers.get("Content-Type", "application/json")
    return client.post(path, data=delivery.body, content_type=content_type, headers=headers)


@pytest.fixture
def public_client() -> Client:
    return Client(HTTP_HOST=settings.BASE_DOMAIN)


@pytest.fixture
def sim_http() -> Iterator[HttpClient]:
    client = HttpClient(
        timeouts=HttpTimeouts(connect=2, read=5, write=5, pool=2), sleep=lambda _: None
    )
    yield client
    client.close()


@pytest.fixture
def whatsapp_sim() -> Iterator[WhatsAppSimulator]:
    with WhatsAppSimulator() as simulator:
        yield simulator


@pytest.fixture
def telegram_sim() -> Iterator[TelegramSimulator]:
    with TelegramSimulator() as simulator:
        yield simulator


def _create(tenant: Tenant, **kwargs: Any) -> Channel:
    with schema_context(tenant.schema_name):
        return channel_create(actor=Actor.command("tests"), **kwargs)


@pytest.fixture
def whatsapp_channel(tenant_alfa: Tenant, whatsapp_sim: WhatsAppSimulator) -> Channel:
    """A sandbox WhatsApp channel whose provider is the simulator (6.8.5)."""
    return _create(
        tenant_alfa,
        type=ChannelType.WHATSAPP,
        name="WhatsApp da Prefeitura",
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


@pytest.fixture
def telegram_channel(
    tenant_alfa: Tenant, telegram_sim: TelegramSimulator, settings: Any, sim_http: HttpClient
) -> Channel:
    settings.CHANNELS_WEBHOOK_BASE_URL = TELEGRAM_WEBHOOK_BASE
    return _create(
        tenant_alfa,
        type=ChannelType.TELEGRAM,
        name="Telegram da Prefeitura",
        mode=ChannelMode.SANDBOX,
        sandbox_base_url=telegram_sim.base_url,
        credentials={"bot_token": telegram_sim.bot_token},
        http=sim_http,
    )


@pytest.fixture
def webchat_channel(tenant_alfa: Tenant) -> Channel:
    return _create(
        tenant_alfa,
        type=ChannelType.WEBCHAT,
        name="Chat do portal",
        webchat=WebChatSettings(allowed_origins=[WEBCHAT_ORIGIN], greeting="Olá!"),
    )


def credentials_of(tenant: Tenant, channel: Channel) -> Any:
    with schema_context(tenant.schema_name):
        return provider_credentials(Channel.objects.get(pk=channel.pk))


def whatsapp_credentials(tenant: Tenant, channel: Channel) -> WhatsAppCredentials:
    value = credentials_of(tenant, channel)
    assert isinstance(value, WhatsAppCredentials)
    return value


def telegram_credentials(tenant: Tenant, channel: Channel) -> TelegramCredentials:
    value = credentials_of(tenant, channel)
    assert isinstance(value, TelegramCredentials)
    return value


def webchat_credentials(tenant: Tenant, channel: Channel) -> WebChatCredentials:
    value = credentials_of(tenant, channel)
    assert isinstance(value, WebChatCredentials)
    return value


class LiveEvents:
    """Subscribed to a tenant's `live:<schema>` channel; `collect` drains what arrived."""

    def __init__(self, schema_name: str) -> None:
        self._client = redis.Redis.from_url(settings.REDIS_URL)
        self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
        self._pubsub.subscribe(live_channel(schema_name))
        # Wait for the subscription to be active before anything is published.
        deadline = time.monotonic() + 5
        while time.monotonic() < deadline:
            message = self._pubsub.get_message(timeout=0.1)
            if message is None and self._pubsub.subscribed:
                break
        self.events: list[dict[str, Any]] = []

    def collect(self, *, wait_for: int = 0, timeout: float = 5.0) -> list[dict[str, Any]]:
        deadline = time.monotonic() + timeout
        while True:
            message = self._pubsub.get_message(timeout=0.05)
            if message is not None and message.get("type") == "message":
                self.events.append(json.loads(message["data"]))
                continue
            if len(self.events) >= wait_for or time.monotonic() > deadline:
                return list(self.events)

    def types(self) -> list[str]:
        return [event["type"] for event in self.events]

    def close(self) -> None:
        self._pubsub.close()
        self._client.close()


@pytest.fixture
def live_events(settings: Any) -> Iterator[Callable[[Tenant], LiveEvents]]:
    """Subscribes to a tenant's live channel. Redis pub/sub is shared by every database number,
    so the channel gets a prefix of this test's own."""
    settings.LIVE_EVENTS_PREFIX = f"live-test-{uuid.uuid4().hex}:"
    opened: list[LiveEvents] = []

    def subscribe(tenant: Tenant) -> LiveEvents:
        events = LiveEvents(tenant.schema_name)
        opened.append(events)
        return events

    yield subscribe
    for events in opened:
        events.close()


def whatsapp_inbound(
    client: Client,
    tenant: Tenant,
    channel: Channel,
    capture: Any,
    *,
    text: str = "Olá, preciso de ajuda",
    **kwargs: Any,
) -> Any:
    """A citizen's WhatsApp text through the real intake and worker; returns its conversation."""
    from channels.providers.whatsapp.simulator import build_inbound_text
    from desk.models import Conversation

    credentials = whatsapp_credentials(tenant, channel)
    with capture(execute=True):
        response = deliver(
            client, "/webhooks/whatsapp", build_inbound_text(credentials, text=text, **kwargs)
        )
    assert response.status_code == 200, response.content
    with schema_context(tenant.schema_name):
        return Conversation.objects.select_related("identity").get(
            channel=channel, status__in=["queued", "open"]
        )

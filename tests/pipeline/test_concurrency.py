"""Races on real PostgreSQL: threads with their own connections, committed data, cleaned up.

These tests do not run inside the usual rolled-back test transaction (the threads could not see
its rows); the fixture commits a channel of its own and deletes everything it made afterwards.
"""

from __future__ import annotations

import json
import secrets
import threading
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import Any

import pytest
from django.conf import settings
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from channels.intake.models import InboxEvent, RoutingEntry
from channels.intake.services import inbox_store, routing_upsert
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import WhatsAppSimulator, build_inbound_text
from desk.models import (
    Contact,
    ContactIdentity,
    Conversation,
    Message,
    MessageEvent,
    Outbox,
)
from desk.services.inbound import inbox_event_process
from desk.services.outbound import message_send
from desk.services.outbox import outbox_deliver
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver

SCHEMA = "alfa"


@dataclass
class CommittedChannel:
    tenant: Tenant
    channel: Channel
    credentials: WhatsAppCredentials


def _cleanup(tenant: Tenant, channel_id: int, account_id: str) -> None:
    with schema_context(tenant.schema_name):
        Outbox.objects.filter(message__channel_id=channel_id).delete()
        MessageEvent.objects.filter(channel_id=channel_id).delete()
        Message.objects.filter(channel_id=channel_id).delete()
        Conversation.objects.filter(channel_id=channel_id).delete()
        contact_ids = list(
            ContactIdentity.objects.filter(channel_id=channel_id).values_list(
                "contact_id", flat=True
            )
        )
        ContactIdentity.objects.filter(channel_id=channel_id).delete()
        Contact.objects.filter(pk__in=contact_ids).delete()
        Channel.objects.filter(pk=channel_id).delete()
    InboxEvent.objects.filter(tenant=tenant, channel_id=channel_id).delete()
    RoutingEntry.objects.filter(provider="whatsapp", account_id=account_id).delete()
    UsageRecord.objects.filter(tenant=tenant, message_key__startswith=f"{channel_id}:").delete()


@pytest.fixture
def db(django_db_setup: None, django_db_blocker: Any) -> Iterator[None]:
    """Overrides pytest-django's `db` in this module: database access without the wrapping
    transaction, so rows are committed and the threads below see them. (pytest-django prepares
    the test database for any test that uses a fixture named `db`.)"""
    with django_db_blocker.unblock():
        yield


@pytest.fixture
def committed_channel(db: None) -> Iterator[Callable[[WhatsAppSimulator | None], CommittedChannel]]:
    """Commits a WhatsApp channel of tenant alfa (a number of its own) and removes it and
    everything the test made with it afterwards."""
    made: list[tuple[Tenant, int, str]] = []

    def make(simulator: WhatsAppSimulator | None = None) -> CommittedChannel:
        tenant = Tenant.objects.get(schema_name=SCHEMA)
        account_id = (
            simulator.phone_number_id if simulator else str(10**14 + secrets.randbelow(10**14))
        )
        credentials = WhatsAppCredentials(
            phone_number_id=account_id,
            business_account_id="102290129340398",
            access_token=simulator.access_token if simulator else "token",
            app_secret=secrets.token_hex(16),
            verify_token=secrets.token_hex(8),
            api_base_url=simulator.base_url if simulator else "http://127.0.0.1:9",
        )
        with schema_context(tenant.schema_name):
            # Created without the service on purpose: no audit entries are committed.
            channel = Channel.objects.create(
                type=ChannelType.WHATSAPP,
                name="Concorrência",
                mode=ChannelMode.SANDBOX,
                account_id=account_id,
                sandbox_base_url=credentials.api_base_url,
                protocol_notice=False,
                credentials=json.dumps(
                    {
                        "phone_number_id": account_id,
                        "business_account_id": credentials.business_account_id,
                        "access_token": credentials.access_token,
                        "app_secret": credentials.app_secret,
                        "verify_token": credentials.verify_token,
                    }
                ),
            )
        made.append((tenant, channel.pk, account_id))
        routing_upsert(
            tenant_id=tenant.pk,
            provider="whatsapp",
            account_id=account_id,
            channel_id=channel.pk,
            verification_secret=credentials.app_secret,
        )
        return CommittedChannel(tenant=tenant, channel=channel, credentials=credentials)

    try:
        yield make
    finally:
        connection.set_schema_to_public()  # type: ignore[attr-defined]
        for tenant, channel_id, account_id in made:
            _cleanup(tenant, channel_id, account_id)


def _in_threads(count: int, work: Callable[[int], Any]) -> list[Any]:
    """Runs `work(i)` in `count` threads released together; each has its own DB connection."""
    barrier = threading.Barrier(count)
    results: list[Any] = [None] * count
    errors: list[BaseException] = []

    def run(index: int) -> None:
        try:
            barrier.wait(timeout=10)
            results[index] = work(index)
        except BaseException as error:  # reported below, in the test's thread
            errors.append(error)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=(index,)) for index in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    return results


@pytest.mark.req("6.5.30")
@pytest.mark.parametrize("round_", range(3))
def test_first_messages_of_a_new_contact_at_once_make_one_contact_and_conversation(
    committed_channel: Callable[..., CommittedChannel], round_: int
) -> None:
    # given a new citizen whose first four messages reach the intake at the same time
    setup = committed_channel()
    sender = f"55119{round_}{secrets.randbelow(10**7):07d}"
    deliveries = [
        build_inbound_text(setup.credentials, text=f"mensagem {index}", from_number=sender)
        for index in range(4)
    ]

    def post(index: int) -> int:
        client = Client(HTTP_HOST=settings.BASE_DOMAIN)
        return deliver(client, "/webhooks/whatsapp", deliveries[index]).status_code

    # when the webhooks are posted concurrently (each commits and is processed at once)
    statuses = _in_threads(4, post)

    # then one contact, one identity, one conversation and every message, metered once each
    assert statuses == [200, 200, 200, 200]
    channel_id = setup.channel.pk
    with schema_context(SCHEMA):
        assert ContactIdentity.objects.filter(channel_id=channel_id).count() == 1
        identity = ContactIdentity.objects.get(channel_id=channel_id)
        assert Contact.objects.filter(identities=identity).count() == 1
        assert Conversation.objects.filter(channel_id=channel_id).count() == 1
        assert sorted(
            Message.objects.filter(channel_id=channel_id).values_list("text", flat=True)
        ) == [f"mensagem {index}" for index in range(4)]
    assert (
        UsageRecord.objects.filter(
            tenant=setup.tenant, message_key__startswith=f"{channel_id}:"
        ).count()
        == 4
    )


def test_two_workers_handed_the_same_event_process_it_once(
    committed_channel: Callable[..., CommittedChannel],
) -> None:
    setup = committed_channel()
    delivery = build_inbound_text(setup.credentials, text="uma vez")
    event_id = inbox_store(
        provider="whatsapp",
        event_key=f"whatsapp:test:{secrets.token_hex(8)}",
        tenant_id=setup.tenant.pk,
        channel_id=setup.channel.pk,
        account_id=setup.channel.account_id,
        body=delivery.body,
        headers={},
        remote_ip=None,
    )
    assert event_id is not None

    def work(index: int) -> str:
        with schema_context(SCHEMA):
            return inbox_event_process(event_id)

    outcomes = _in_threads(2, work)

    assert sorted(outcomes) == ["processed", "skipped"]
    with schema_context(SCHEMA):
        assert Message.objects.filter(channel_id=setup.channel.pk).count() == 1


@pytest.fixture
def number_sim() -> Iterator[WhatsAppSimulator]:
    """A simulated number of its own (committed rows must not meet other tests' numbers)."""
    with WhatsAppSimulator(phone_number_id=str(10**14 + secrets.randbelow(10**14))) as simulator:
        yield simulator


def test_two_workers_handed_the_same_outbox_row_send_once(
    committed_channel: Callable[..., CommittedChannel], number_sim: WhatsAppSimulator
) -> None:
    # given an agent's reply queued for a citizen who just wrote
    whatsapp_sim = number_sim
    setup = committed_channel(whatsapp_sim)
    delivery = build_inbound_text(setup.credentials, text="oi")
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    assert deliver(client, "/webhooks/whatsapp", delivery).status_code == 200
    with schema_context(SCHEMA):
        conversation = Conversation.objects.get(channel_id=setup.channel.pk)
        reply = message_send(actor=Actor.system(), conversation=conversation, text="resposta")
        # the on-commit task already sent it; make the row pending again to race two workers
        Outbox.objects.filter(message=reply).update(done_at=None, attempts=0)
        Message.objects.filter(pk=reply.pk).update(provider_message_id=None)
        outbox_id = Outbox.objects.get(message=reply).pk
    sends_before = len(whatsapp_sim.sent)

    def work(index: int) -> str:
        with schema_context(SCHEMA):
            return outbox_deliver(outbox_id)

    outcomes = _in_threads(2, work)

    assert sorted(outcomes) == ["sent", "skipped"]
    assert len(whatsapp_sim.sent) == sends_before + 1

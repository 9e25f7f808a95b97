"""Exactly-once processing: duplicates, a task run twice, a crash mid-transaction and its retry."""

from __future__ import annotations

import json
from collections.abc import Callable
from datetime import timedelta
from typing import Any
from unittest import mock

import pytest
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from billing.models import UsageRecord
from channels.intake.models import InboxEvent, InboxStatus
from channels.models import Channel
from channels.providers.base import WebhookDelivery
from channels.providers.whatsapp.simulator import (
    build_inbound_text,
)
from channels.providers.whatsapp.simulator import (
    deliver as sign,
)
from desk.models import Contact, ContactIdentity, Conversation, Message, Outbox
from desk.services import inbound
from desk.services.inbound import inbox_event_process
from desk.services.sweeps import inbox_purge, inbox_sweep
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials

URL = "/webhooks/whatsapp"
WAMID = "wamid.EXACTLY-ONCE-1"


def _store_only(client: Client, delivery: WebhookDelivery, capture: Any) -> int:
    """Posts a webhook and keeps its processing task from running (the queue is captured)."""
    with capture(execute=False):
        response = deliver(client, URL, delivery)
    assert response.status_code == 200
    return int(InboxEvent.objects.order_by("-id").values_list("id", flat=True).first() or 0)


def _counts(tenant: Tenant, channel: Channel) -> dict[str, int]:
    with schema_context(tenant.schema_name):
        counts = {
            "contacts": Contact.objects.count(),
            "identities": ContactIdentity.objects.count(),
            "conversations": Conversation.objects.count(),
            "inbound": Message.objects.filter(direction="in").count(),
            "outbound": Message.objects.filter(direction="out").count(),
            "outbox": Outbox.objects.count(),
        }
    counts["usage"] = UsageRecord.objects.filter(
        tenant=tenant, message_key=f"{channel.pk}:{WAMID}"
    ).count()
    return counts


ONE_OF_EACH = {
    "contacts": 1,
    "identities": 1,
    "conversations": 1,
    "inbound": 1,
    "outbound": 1,  # the protocol notice
    "outbox": 1,
    "usage": 1,
}


def _process(tenant: Tenant, event_id: int) -> str:
    with schema_context(tenant.schema_name):
        return inbox_event_process(event_id)


@pytest.mark.req("6.5.30")
def test_the_same_webhook_twice_yields_one_of_everything(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    delivery = build_inbound_text(credentials, text="Olá", message_id=WAMID)

    with django_capture_on_commit_callbacks(execute=True):
        deliver(public_client, URL, delivery)
        deliver(public_client, URL, delivery)

    assert _counts(tenant_alfa, whatsapp_channel) == ONE_OF_EACH
    with schema_context(tenant_alfa.schema_name):
        conversation = Conversation.objects.get()
    local_day = timezone.localdate(conversation.opened_at)
    assert conversation.protocol == f"{local_day:%Y%m%d}-{conversation.pk:06d}"


def test_the_same_message_in_another_delivery_is_stored_once(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given the message, then a batch (another event key) that repeats it beside a status
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    first = build_inbound_text(credentials, text="Olá", message_id=WAMID)
    message = first.body.decode()
    value = json.loads(message)["entry"][0]["changes"][0]["value"]
    value["statuses"] = [
        {"id": "wamid.OTHER", "status": "sent", "timestamp": "1700000000", "recipient_id": "1"}
    ]
    batch = json.loads(message)
    batch["entry"][0]["changes"][0]["value"] = value

    with django_capture_on_commit_callbacks(execute=True):
        deliver(public_client, URL, first)
        deliver(public_client, URL, sign(credentials, batch))

    assert InboxEvent.objects.filter(status=InboxStatus.PROCESSED).count() == 2
    assert _counts(tenant_alfa, whatsapp_channel) == ONE_OF_EACH


def test_running_the_task_body_twice_changes_nothing_the_second_time(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    event_id = _store_only(
        public_client,
        build_inbound_text(credentials, text="Olá", message_id=WAMID),
        django_capture_on_commit_callbacks,
    )

    with django_capture_on_commit_callbacks(execute=False):
        outcomes = [_process(tenant_alfa, event_id), _process(tenant_alfa, event_id)]

    assert outcomes == ["processed", "skipped"]
    assert _counts(tenant_alfa, whatsapp_channel) == ONE_OF_EACH
    assert InboxEvent.objects.get(pk=event_id).attempts == 1


# Each function runs for real, then the "worker dies": later steps never happen.
CRASH_POINTS: dict[str, str] = {
    "after-contact-and-conversation": "conversation_for_inbound",
    "after-message-and-metering": "meter_inbound",
    "after-live-event-queued": "publish_on_commit",
    "after-protocol-notice": "_protocol_notice",
}


@pytest.mark.parametrize("point", sorted(CRASH_POINTS))
def test_a_crash_mid_transaction_then_a_retry_yields_one_of_everything(
    point: str,
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    event_id = _store_only(
        public_client,
        build_inbound_text(credentials, text="Olá", message_id=WAMID),
        django_capture_on_commit_callbacks,
    )
    target = CRASH_POINTS[point]
    real: Callable[..., Any] = getattr(inbound, target)

    def crash(*args: Any, **kwargs: Any) -> Any:
        real(*args, **kwargs)  # the work happens, then the worker dies
        raise RuntimeError("worker killed")

    # when the worker crashes after partial work inside the transaction
    with (
        django_capture_on_commit_callbacks(execute=True) as queued,
        mock.patch.object(inbound, target, side_effect=crash),
    ):
        first = _process(tenant_alfa, event_id)

    # then nothing of it survived, and the event waits for a retry with the reason kept
    assert first == "failed"
    assert queued == []
    assert _counts(tenant_alfa, whatsapp_channel) == dict.fromkeys(ONE_OF_EACH, 0)
    event = InboxEvent.objects.get(pk=event_id)
    assert (event.status, event.attempts) == (InboxStatus.FAILED, 1)
    assert event.last_error == "RuntimeError: worker killed"
    assert event.next_attempt_at is not None

    # when it is retried
    with django_capture_on_commit_callbacks(execute=False):
        second = _process(tenant_alfa, event_id)

    assert second == "processed"
    assert _counts(tenant_alfa, whatsapp_channel) == ONE_OF_EACH
    event.refresh_from_db()
    assert (event.status, event.attempts, event.last_error) == (InboxStatus.PROCESSED, 2, "")


def test_an_event_whose_channel_is_gone_fails_for_good(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    event_id = _store_only(
        public_client,
        build_inbound_text(credentials, text="Olá", message_id=WAMID),
        django_capture_on_commit_callbacks,
    )
    InboxEvent.objects.filter(pk=event_id).update(channel_id=987654, account_id="000000")

    assert _process(tenant_alfa, event_id) == "failed"

    event = InboxEvent.objects.get(pk=event_id)
    assert (event.status, event.next_attempt_at) == (InboxStatus.FAILED, None)
    assert "987654" in event.last_error


def test_an_event_for_another_tenant_is_not_processed_here(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    event_id = _store_only(
        public_client,
        build_inbound_text(credentials, text="Olá", message_id=WAMID),
        django_capture_on_commit_callbacks,
    )

    assert _process(tenant_beta, event_id) == "skipped"

    assert InboxEvent.objects.get(pk=event_id).status == InboxStatus.RECEIVED
    with schema_context(tenant_beta.schema_name):
        assert Message.objects.count() == 0


def test_the_sweeper_requeues_lost_and_due_events(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    lost = _store_only(
        public_client,
        build_inbound_text(credentials, text="perdido", message_id="wamid.LOST"),
        django_capture_on_commit_callbacks,
    )
    fresh = _store_only(
        public_client,
        build_inbound_text(credentials, text="recente", message_id="wamid.FRESH"),
        django_capture_on_commit_callbacks,
    )
    now = timezone.now()
    InboxEvent.objects.filter(pk=lost).update(received_at=now - timedelta(minutes=5))

    with django_capture_on_commit_callbacks(execute=True):
        queued = inbox_sweep(now=now)

    assert queued == 1
    statuses = dict(InboxEvent.objects.values_list("id", "status"))
    assert statuses == {lost: InboxStatus.PROCESSED, fresh: InboxStatus.RECEIVED}


def test_raw_bodies_are_purged_after_the_retention_period(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
    settings: Any,
) -> None:
    settings.INBOX_RETENTION_DAYS = 30
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(public_client, URL, build_inbound_text(credentials, text="velha", message_id="w.1"))
        deliver(public_client, URL, build_inbound_text(credentials, text="nova", message_id="w.2"))
    pending = _store_only(
        public_client,
        build_inbound_text(credentials, text="pendente", message_id="w.3"),
        django_capture_on_commit_callbacks,
    )
    now = timezone.now()
    old = InboxEvent.objects.get(event_key="whatsapp:m:w.1").pk
    InboxEvent.objects.filter(pk__in=[old, pending]).update(received_at=now - timedelta(days=31))

    deleted = inbox_purge(now=now)

    # the processed old body goes; an unprocessed one stays however old it is
    assert deleted == 1
    assert set(InboxEvent.objects.values_list("event_key", flat=True)) == {
        "whatsapp:m:w.2",
        "whatsapp:m:w.3",
    }
    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.filter(direction="in").count() == 2

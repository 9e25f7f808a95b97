"""Delivery statuses: out of order, duplicated, failed with the provider's reason, or arriving
before the outbox stored the provider's id."""

from __future__ import annotations

import itertools
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime, timedelta
from typing import Any, cast

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from channels.models import Channel
from channels.providers.base import MessageStatus as ProviderStatus
from channels.providers.base import SendResult, StatusUpdate
from channels.providers.registry import get_adapter
from channels.providers.whatsapp.simulator import build_status
from desk.errors import SESSION_WINDOW_CLOSED_MESSAGE
from desk.models import Message, MessageEvent, Outbox
from desk.services.outbound import message_send
from desk.services.outbox import outbox_deliver
from desk.services.statuses import status_apply
from security.actors import Actor
from tenants.models import Tenant
from tests.pipeline.fixtures import deliver, whatsapp_credentials, whatsapp_inbound

BASE = datetime(2026, 3, 10, 15, 0, tzinfo=UTC)
STAMP = {
    "sent": BASE,
    "delivered": BASE + timedelta(seconds=5),
    "read": BASE + timedelta(minutes=2),
    "failed": BASE + timedelta(seconds=7),
}


def _queued_reply(
    client: Client, tenant: Tenant, channel: Channel, capture: Any, *, deliver_now: bool = True
) -> Message:
    """An agent's reply the provider accepted (it has its wamid and waits for receipts)."""
    conversation = whatsapp_inbound(client, tenant, channel, capture)
    with schema_context(tenant.schema_name):
        with capture(execute=deliver_now):
            reply = message_send(actor=Actor.system(), conversation=conversation, text="Resposta")
        return Message.objects.get(pk=reply.pk)


def _update(message: Message, status: str, **extra: Any) -> StatusUpdate:
    return StatusUpdate(
        provider="whatsapp",
        account_id=message.channel.account_id,
        provider_message_id=str(message.provider_message_id),
        status=ProviderStatus(status),
        timestamp=STAMP[status],
        **extra,
    )


def _apply_in_order(tenant: Tenant, message: Message, order: Sequence[str]) -> Message:
    with schema_context(tenant.schema_name):
        MessageEvent.objects.filter(message=message).delete()
        Message.objects.filter(pk=message.pk).update(
            status="queued",
            sent_at=None,
            delivered_at=None,
            read_at=None,
            failed_at=None,
            error_code="",
            error_title="",
            error_message="",
            error_detail="",
        )
        fresh = Message.objects.select_related("channel").get(pk=message.pk)
        for status in order:
            extra: dict[str, Any] = {}
            if status == "failed":
                extra = {"error_code": "131026", "error_title": "Message undeliverable"}
            status_apply(channel=fresh.channel, update=_update(fresh, status, **extra))
        return Message.objects.get(pk=message.pk)


# every set of statuses -> the status the message must end in, whatever the arrival order
FINAL: Mapping[tuple[str, ...], str] = {
    ("sent", "delivered", "read"): "read",
    ("sent", "delivered"): "delivered",
    ("delivered", "read"): "read",
    ("sent", "failed"): "failed",
    ("delivered", "failed"): "delivered",
    ("read", "failed"): "read",
    ("sent", "delivered", "read", "failed"): "read",
}


@pytest.mark.parametrize("statuses", sorted(FINAL), ids="+".join)
def test_statuses_in_any_order_end_in_the_same_state(
    statuses: tuple[str, ...],
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _queued_reply(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    outcomes = set()
    for order in itertools.permutations(statuses):
        final = _apply_in_order(tenant_alfa, message, order)
        outcomes.add(
            (final.status, final.sent_at, final.delivered_at, final.read_at, final.error_code)
        )
    expected_error = "131026" if FINAL[statuses] == "failed" else ""
    # each status still records its own time, even when it arrives too late to move the message
    assert outcomes == {
        (
            FINAL[statuses],
            STAMP["sent"] if "sent" in statuses else None,
            STAMP["delivered"] if "delivered" in statuses else None,
            STAMP["read"] if "read" in statuses else None,
            expected_error,
        )
    }


def test_out_of_order_webhooks_never_move_a_message_backwards(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _queued_reply(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    wamid = str(message.provider_message_id)
    seen = []
    for status in ("read", "delivered", "sent", "read"):
        stamp = int(STAMP[status].timestamp())
        with django_capture_on_commit_callbacks(execute=True):
            response = deliver(
                public_client,
                "/webhooks/whatsapp",
                build_status(credentials, message_id=wamid, status=status, timestamp=stamp),
            )
        assert response.status_code == 200
        with schema_context(tenant_alfa.schema_name):
            seen.append(Message.objects.get(pk=message.pk).status)

    assert seen == ["read", "read", "read", "read"]
    with schema_context(tenant_alfa.schema_name):
        history = list(
            MessageEvent.objects.filter(message=message).values_list("status", "applied")
        )
    assert sorted(history) == [("delivered", False), ("read", True), ("sent", False)]


def test_failed_status_keeps_the_providers_code_and_title(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _queued_reply(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)

    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            "/webhooks/whatsapp",
            build_status(
                credentials,
                message_id=str(message.provider_message_id),
                status="failed",
                error_code=131047,
                error_title="Re-engagement message",
                error_detail="More than 24 hours have passed since the customer last replied.",
            ),
        )

    with schema_context(tenant_alfa.schema_name):
        failed = Message.objects.get(pk=message.pk)
    assert (failed.status, failed.error_code, failed.error_title) == (
        "failed",
        "131047",
        "Re-engagement message",
    )
    assert failed.error_detail == "More than 24 hours have passed since the customer last replied."
    # 131047 reads exactly like our own refusal outside the window (6.6.3.7)
    assert failed.error_message == str(SESSION_WINDOW_CLOSED_MESSAGE)


def test_pricing_object_is_kept(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    message = _queued_reply(
        public_client, tenant_alfa, whatsapp_channel, django_capture_on_commit_callbacks
    )
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    pricing = {"billable": True, "pricing_model": "PMP", "category": "utility", "type": "regular"}

    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            "/webhooks/whatsapp",
            build_status(
                credentials,
                message_id=str(message.provider_message_id),
                status="sent",
                pricing=pricing,
            ),
        )

    with schema_context(tenant_alfa.schema_name):
        assert Message.objects.get(pk=message.pk).pricing == pricing


class KnownIdAdapter:
    """The WhatsApp adapter, except that the provider answers with an id chosen by the test."""

    def __init__(self, provider_message_id: str) -> None:
        self._inner = get_adapter("whatsapp")
        self.name = "whatsapp"
        self.supports_delivery_receipts = True
        self.provider_message_id = provider_message_id

    def send(self, credentials: Any, to: str, message: Any) -> SendResult:
        self._inner.send(credentials, to, message)
        return SendResult(provider_message_id=self.provider_message_id, raw={})


def test_status_arriving_before_the_send_is_recorded_is_adopted(
    tenant_alfa: Tenant,
    whatsapp_channel: Channel,
    public_client: Client,
    django_capture_on_commit_callbacks: Any,
) -> None:
    # given a reply still in the outbox, and Meta's "delivered" for it beating our commit
    message = _queued_reply(
        public_client,
        tenant_alfa,
        whatsapp_channel,
        django_capture_on_commit_callbacks,
        deliver_now=False,
    )
    credentials = whatsapp_credentials(tenant_alfa, whatsapp_channel)
    with django_capture_on_commit_callbacks(execute=True):
        deliver(
            public_client,
            "/webhooks/whatsapp",
            build_status(
                credentials,
                message_id="wamid.EARLY",
                status="delivered",
                timestamp=int(STAMP["delivered"].timestamp()),
            ),
        )
    with schema_context(tenant_alfa.schema_name):
        orphan = MessageEvent.objects.get(provider_message_id="wamid.EARLY")
        assert orphan.message_id is None

        # when the outbox records the provider's answer
        outbox_id = Outbox.objects.get(message=message).pk
        with django_capture_on_commit_callbacks(execute=True):
            outcome = outbox_deliver(
                outbox_id,
                adapter_factory=lambda name: cast(Any, KnownIdAdapter("wamid.EARLY")),
            )
        adopted = Message.objects.get(pk=message.pk)
        orphan.refresh_from_db()

    assert outcome == "sent"
    assert (adopted.provider_message_id, adopted.status) == ("wamid.EARLY", "delivered")
    assert adopted.delivered_at == STAMP["delivered"]
    assert (orphan.message_id, orphan.applied) == (message.pk, True)

"""The pipeline's side of metering: one usage event per billable message (6.6.3).

Calls `billing.services` inside the caller's transaction, so a message and its usage record
commit together or not at all; billing is idempotent on (tenant, message_key, kind), so a retry
after a crash counts the message once.
"""

from __future__ import annotations

from datetime import datetime

from django.db import connection

from billing.services import template_allowed, usage_record
from channels.models import Channel
from desk.models import Message
from desk.tenancy import current_schema
from tenants.models import Tenant

_tenant_ids: dict[str, int] = {}


def current_tenant_id() -> int:
    """The id of the tenant whose schema is active (cached: a schema's tenant never changes)."""
    tenant = getattr(connection, "tenant", None)
    if isinstance(tenant, Tenant) and tenant.pk is not None:
        return int(tenant.pk)
    schema = current_schema()
    if schema not in _tenant_ids:
        _tenant_ids[schema] = int(
            Tenant.objects.values_list("pk", flat=True).get(schema_name=schema)
        )
    return _tenant_ids[schema]


def inbound_message_key(channel_id: int, provider_message_id: str) -> str:
    return f"{channel_id}:{provider_message_id}"


def outbound_message_key(channel_id: int, message_id: int) -> str:
    # The provider's id is not known when the kind is decided and may differ between two sends
    # of one message; our own id is stable across every retry.
    return f"{channel_id}:out:{message_id}"


def meter_inbound(*, channel: Channel, provider_message_id: str, occurred_at: datetime) -> bool:
    """6.6.3.4: everything the contact sends is a session message. True when newly recorded."""
    record = usage_record(
        tenant=current_tenant_id(),
        message_key=inbound_message_key(channel.pk, provider_message_id),
        kind="session",
        direction="inbound",
        origin="contact",
        channel=channel.type,
        occurred_at=occurred_at,
        agent_id=None,
        agent_name="",
    )
    return record is not None


def meter_outbound(*, channel: Channel, message: Message) -> bool:
    """An outbound message the provider accepted, with the kind decided when it was queued."""
    record = usage_record(
        tenant=current_tenant_id(),
        message_key=outbound_message_key(channel.pk, message.pk),
        kind=message.billing_kind,
        direction="outbound",
        origin=message.origin,
        channel=channel.type,
        occurred_at=message.created_at,
        agent_id=message.sender_user_id,
        agent_name=message.sender_name if message.sender_user_id else "",
    )
    return record is not None


def templates_allowed() -> bool:
    return bool(template_allowed(current_tenant_id()))

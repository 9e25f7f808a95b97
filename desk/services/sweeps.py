"""Periodic safety nets (Celery beat, public schema): nothing is lost if a task message is.

- `inbox_sweep`: events still `received` a minute after intake (the web process died between
  commit and queuing, or the broker lost the task) and `failed` events due for another try.
- `outbox_sweep_all_tenants`: per tenant, outbox rows due and unleased (a lost task, or a
  worker killed mid-send whose lease has expired).
- `inbox_purge`: raw bodies of processed events are personal data; they go after
  `INBOX_RETENTION_DAYS`. Failed and unknown events stay for support until then too.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.conf import settings
from django.db.models import Q
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from channels.intake.models import InboxEvent, InboxStatus
from desk.queueing import inbox_queue
from desk.services.outbox import outbox_sweep
from tenants.models import Tenant

RECEIVED_GRACE = timedelta(seconds=60)


def inbox_sweep(*, now: datetime | None = None, limit: int = 1000) -> int:
    now = now or timezone.now()
    due = list(
        InboxEvent.objects.filter(
            Q(status=InboxStatus.RECEIVED, received_at__lte=now - RECEIVED_GRACE)
            | Q(
                status=InboxStatus.FAILED,
                next_attempt_at__isnull=False,
                next_attempt_at__lte=now,
                attempts__lt=int(settings.INBOX_MAX_ATTEMPTS),
            )
        )
        .order_by("received_at")
        .values_list("pk", "tenant__schema_name")[:limit]
    )
    for event_id, schema_name in due:
        inbox_queue(event_id, schema_name)
    return len(due)


def outbox_sweep_all_tenants(*, now: datetime | None = None) -> int:
    queued = 0
    schemas = Tenant.objects.exclude(schema_name=get_public_schema_name()).values_list(
        "schema_name", flat=True
    )
    for schema_name in list(schemas):
        with schema_context(schema_name):
            queued += outbox_sweep(now=now)
    return queued


def inbox_purge(*, now: datetime | None = None, batch: int = 5000) -> int:
    now = now or timezone.now()
    cutoff = now - timedelta(days=int(settings.INBOX_RETENTION_DAYS))
    deleted = 0
    while True:
        ids = list(
            InboxEvent.objects.filter(received_at__lt=cutoff)
            .exclude(status=InboxStatus.RECEIVED)
            .values_list("pk", flat=True)[:batch]
        )
        if not ids:
            return deleted
        count, _detail = InboxEvent.objects.filter(pk__in=ids).delete()
        deleted += count

"""Celery tasks of the pipeline. Thin: load, call a service.

Tenant tasks (`inbox_process`, `outbox_deliver`, `media_fetch`, `contact_import_run`) run in
the schema named by the `_schema_name` header (tenant-schemas-celery); queue them through
`desk.queueing` (the contact import queues itself). Beat tasks (`*_sweep`, `inbox_purge`) run
in the public schema. All are safe to run twice: acks_late
redelivers a task whose worker died, and the services make a second run a no-op.
"""

from __future__ import annotations

from typing import Any

from celery import shared_task

from desk.services import contact_import, inbound, media, outbox, sweeps

MEDIA_MAX_RETRIES = 5


@shared_task(name="desk.tasks.inbox_process")
def inbox_process(event_id: int) -> str:
    return inbound.inbox_event_process(event_id)


@shared_task(name="desk.tasks.outbox_deliver")
def outbox_deliver(outbox_id: int) -> str:
    return outbox.outbox_deliver(outbox_id)


@shared_task(bind=True, name="desk.tasks.media_fetch", max_retries=MEDIA_MAX_RETRIES)
def media_fetch(self: Any, message_id: int) -> str:
    final = self.request.retries >= MEDIA_MAX_RETRIES
    result = media.media_fetch(message_id, final_attempt=final)
    if result == "retry":
        raise self.retry(countdown=min(600, 10 * 2**self.request.retries))
    return result


@shared_task(name="desk.tasks.inbox_sweep")
def inbox_sweep() -> int:
    return sweeps.inbox_sweep()


@shared_task(name="desk.tasks.outbox_sweep")
def outbox_sweep() -> int:
    return sweeps.outbox_sweep_all_tenants()


@shared_task(name="desk.tasks.inbox_purge")
def inbox_purge() -> int:
    return sweeps.inbox_purge()


@shared_task(name="desk.tasks.contact_import_run")
def contact_import_run(import_id: int) -> str:
    return contact_import.contact_import_run(import_id)

"""Queue desk tasks for a given tenant schema (tenant-schemas-celery reads `_schema_name`).

Called from `transaction.on_commit` callbacks, when the connection may already be back on
another schema, so the schema is always passed explicitly.
"""

from __future__ import annotations

import logging

from kombu.exceptions import KombuError

logger = logging.getLogger("desk.queueing")


def _send(task_name: str, object_id: int, schema_name: str, countdown: float | None) -> None:
    from desk import tasks

    task = getattr(tasks, task_name)
    try:
        task.apply_async(
            args=(object_id,), headers={"_schema_name": schema_name}, countdown=countdown
        )
    except (KombuError, OSError):
        # The row is committed; the sweeper finds it again.
        logger.exception("could not queue %s", task_name, extra={"object_id": object_id})


def outbox_queue(outbox_id: int, schema_name: str, countdown: float | None = None) -> None:
    _send("outbox_deliver", outbox_id, schema_name, countdown)


def media_queue(message_id: int, schema_name: str, countdown: float | None = None) -> None:
    _send("media_fetch", message_id, schema_name, countdown)


def inbox_queue(event_id: int, schema_name: str, countdown: float | None = None) -> None:
    """Hands a stored webhook event (public inbox) to the worker in its tenant's schema."""
    _send("inbox_process", event_id, schema_name, countdown)

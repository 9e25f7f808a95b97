"""Worker queue figures: queue lengths in the broker and the lag of a heartbeat task.

Celery's Redis messages carry no enqueue time, so the lag is measured directly: the probe queues
a tiny heartbeat task stamped with the time it was sent, and the worker that runs it records how
long it waited. While a heartbeat is still waiting, its age is the lag so far.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

import redis
from django.conf import settings
from django.utils import timezone

from controlplane import conf

PENDING_KEY = "controlplane:heartbeat:pending"
LAST_LAG_KEY = "controlplane:heartbeat:last_lag_ms"
LAST_AT_KEY = "controlplane:heartbeat:last_at"
# A heartbeat lost with its worker must not keep the probe failing forever.
PENDING_TTL_SECONDS = 3600


@dataclass(frozen=True)
class QueueFigures:
    lengths: dict[str, int]
    waiting_seconds: int | None  # age of the heartbeat still in the queue, if any
    last_lag_seconds: float | None  # how long the last processed heartbeat waited
    last_processed_at: datetime | None


def broker() -> redis.Redis:
    return redis.Redis.from_url(
        settings.CELERY_BROKER_URL,
        socket_timeout=conf.probe_timeout_seconds(),
        socket_connect_timeout=conf.probe_timeout_seconds(),
        decode_responses=True,
    )


def queue_figures(
    client: redis.Redis | None = None, *, now: datetime | None = None
) -> QueueFigures:
    client = client or broker()
    now = now or timezone.now()
    lengths = {name: int(client.llen(name)) for name in conf.watched_queues()}
    pending = client.get(PENDING_KEY)
    waiting = None
    if pending:
        waiting = max(0, int((now - datetime.fromisoformat(str(pending))).total_seconds()))
    last_lag = client.get(LAST_LAG_KEY)
    last_at = client.get(LAST_AT_KEY)
    return QueueFigures(
        lengths=lengths,
        waiting_seconds=waiting,
        last_lag_seconds=int(last_lag) / 1000 if last_lag is not None else None,
        last_processed_at=datetime.fromisoformat(str(last_at)) if last_at else None,
    )


def queue_heartbeat_probe(*, now: datetime | None = None) -> QueueFigures:
    """Reads the figures, then queues a heartbeat unless one is already waiting."""
    client = broker()
    try:
        now = now or timezone.now()
        figures = queue_figures(client, now=now)
        if figures.waiting_seconds is None and client.set(
            PENDING_KEY, now.isoformat(), nx=True, ex=PENDING_TTL_SECONDS
        ):
            from controlplane.tasks import queue_heartbeat

            queue_heartbeat.delay(now.isoformat())
        return figures
    finally:
        client.close()


def queue_heartbeat_received(sent_at: str, *, now: datetime | None = None) -> int:
    """Run by the worker: records how long the heartbeat waited (ms) and clears it."""
    now = now or timezone.now()
    lag_ms = max(0, int((now - datetime.fromisoformat(sent_at)).total_seconds() * 1000))
    client = broker()
    try:
        pipeline = client.pipeline()
        pipeline.set(LAST_LAG_KEY, lag_ms)
        pipeline.set(LAST_AT_KEY, now.isoformat())
        pipeline.delete(PENDING_KEY)
        pipeline.execute()
    finally:
        client.close()
    return lag_ms

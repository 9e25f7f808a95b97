"""Public notices of incidents and maintenance, sent to subscribers after the change commits."""

from __future__ import annotations

from django.db import transaction

INCIDENT_OPENED = "incident.opened"
INCIDENT_UPDATED = "incident.updated"
INCIDENT_RESOLVED = "incident.resolved"
MAINTENANCE_SCHEDULED = "maintenance.scheduled"
MAINTENANCE_STARTED = "maintenance.started"
MAINTENANCE_COMPLETED = "maintenance.completed"
MAINTENANCE_CANCELLED = "maintenance.cancelled"

INCIDENT_EVENTS = frozenset({INCIDENT_OPENED, INCIDENT_UPDATED, INCIDENT_RESOLVED})
MAINTENANCE_EVENTS = frozenset(
    {MAINTENANCE_SCHEDULED, MAINTENANCE_STARTED, MAINTENANCE_COMPLETED, MAINTENANCE_CANCELLED}
)


def notice_publish(*, event: str, object_id: int) -> None:
    """Queues the notice once the caller's transaction commits (never for a rolled-back change).

    `object_id` is an IncidentUpdate for incident events and a Maintenance for maintenance events.
    """
    if event not in INCIDENT_EVENTS | MAINTENANCE_EVENTS:
        raise ValueError(f"unknown notice event {event!r}")
    from controlplane.tasks import notices_send

    transaction.on_commit(lambda: notices_send.delay(event, object_id))

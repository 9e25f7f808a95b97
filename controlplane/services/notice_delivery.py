"""Building a notice of an incident or maintenance and sending it to every active subscriber
(run by the worker, after the change committed)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.core.mail import EmailMessage, get_connection
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils.translation import gettext as _

from controlplane import conf
from controlplane.components import component_name
from controlplane.models import IncidentUpdate, Maintenance, StatusSubscription, SubscriptionKind
from controlplane.services.notices import INCIDENT_EVENTS
from controlplane.services.subscriptions import unsubscribe_url


@dataclass(frozen=True)
class Notice:
    event: str
    subject: str
    text: str
    payload: dict[str, Any]


def _status_url() -> str:
    return conf.base_url() + reverse("status:page", urlconf=settings.PUBLIC_SCHEMA_URLCONF)


def notice_build(event: str, object_id: int) -> Notice:
    if event in INCIDENT_EVENTS:
        update = IncidentUpdate.objects.select_related("incident").get(pk=object_id)
        incident = update.incident
        names = [component_name(key) for key in incident.components]
        payload: dict[str, Any] = {
            "event": event,
            "incident": {
                "id": incident.pk,
                "title": incident.title,
                "impact": incident.impact,
                "status": incident.status,
                "components": list(incident.components),
                "started_at": incident.started_at.isoformat(),
                "resolved_at": incident.resolved_at.isoformat() if incident.resolved_at else None,
            },
            "update": {
                "status": update.status,
                "message": update.message,
                "posted_at": update.posted_at.isoformat(),
            },
            "url": _status_url(),
        }
        subject = _("[Status] %(title)s — %(status)s") % {
            "title": incident.title,
            "status": update.get_status_display(),
        }
        context = {
            "incident": incident,
            "update": update,
            "component_names": names,
            "url": _status_url(),
        }
        text = render_to_string("status/email/incident.txt", context)
        return Notice(event, subject, text, payload)

    maintenance = Maintenance.objects.get(pk=object_id)
    names = [component_name(key) for key in maintenance.components]
    payload = {
        "event": event,
        "maintenance": {
            "id": maintenance.pk,
            "title": maintenance.title,
            "description": maintenance.description,
            "status": maintenance.status,
            "components": list(maintenance.components),
            "scheduled_start": maintenance.scheduled_start.isoformat(),
            "scheduled_end": maintenance.scheduled_end.isoformat(),
            "started_at": maintenance.started_at.isoformat() if maintenance.started_at else None,
            "completed_at": (
                maintenance.completed_at.isoformat() if maintenance.completed_at else None
            ),
        },
        "url": _status_url(),
    }
    subject = _("[Status] Manutenção programada: %(title)s — %(status)s") % {
        "title": maintenance.title,
        "status": maintenance.get_status_display(),
    }
    context = {"maintenance": maintenance, "component_names": names, "url": _status_url()}
    text = render_to_string("status/email/maintenance.txt", context)
    return Notice(event, subject, text, payload)


EMAIL_BATCH = 100


def notices_send(event: str, object_id: int) -> tuple[int, int]:
    """E-mails every confirmed address and queues one signed POST per active webhook.

    Returns (e-mails sent, webhooks queued).
    """
    from controlplane.tasks import webhook_deliver  # the tasks module imports this one

    notice = notice_build(event, object_id)
    active = StatusSubscription.objects.filter(confirmed_at__isnull=False, disabled_at__isnull=True)
    emails = 0
    batch: list[EmailMessage] = []
    connection = get_connection()
    for subscription in active.filter(kind=SubscriptionKind.EMAIL).order_by("pk").iterator():
        link = unsubscribe_url(subscription)
        body = f"{notice.text}\n\n---\nPara deixar de receber estes avisos: {link}\n"
        batch.append(
            EmailMessage(
                notice.subject,
                body,
                to=[subscription.email],
                headers={"List-Unsubscribe": f"<{link}>"},
                connection=connection,
            )
        )
        if len(batch) >= EMAIL_BATCH:
            emails += connection.send_messages(batch) or 0
            batch = []
    if batch:
        emails += connection.send_messages(batch) or 0
    hooks = 0
    for subscription_id in active.filter(kind=SubscriptionKind.WEBHOOK).values_list(
        "pk", flat=True
    ):
        webhook_deliver.delay(subscription_id, event, notice.payload)
        hooks += 1
    return emails, hooks

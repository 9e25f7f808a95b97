"""Planned maintenance (REQ 6.2.5): announced at least 2 business days ahead, counted as downtime.

Scheduling is refused, with the earliest allowed date, when the notice is short. The window opens
and closes by itself (`maintenance_advance`, every minute from beat): from the planned start to
the planned end each component records downtime, unless an operator finishes early.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from controlplane.business_days import (
    MIN_MAINTENANCE_NOTICE_BUSINESS_DAYS,
    earliest_maintenance_start,
    maintenance_notice_ok,
)
from controlplane.errors import IncidentError, MaintenanceError, MaintenanceNoticeTooShort
from controlplane.models import Downtime, Maintenance, MaintenanceStatus
from controlplane.services.incidents import clean_components
from controlplane.services.notices import (
    MAINTENANCE_CANCELLED,
    MAINTENANCE_COMPLETED,
    MAINTENANCE_SCHEDULED,
    MAINTENANCE_STARTED,
    notice_publish,
)
from security.actors import Actor
from security.audit import audit_record


def notice_refusal_message(announced_at: datetime) -> str:
    earliest = earliest_maintenance_start(announced_at)
    return _(
        "Manutenção programada precisa ser anunciada com pelo menos %(days)d dias úteis de "
        "antecedência (cláusula 6.2.5; fins de semana e feriados nacionais, inclusive Carnaval e "
        "Corpus Christi, não contam). Anunciada hoje, ela pode começar a partir de "
        "%(date)s, 00:00 (horário de Brasília)."
    ) % {
        "days": MIN_MAINTENANCE_NOTICE_BUSINESS_DAYS,
        "date": formats.date_format(earliest, "DATE_FORMAT"),
    }


def maintenance_schedule(
    *,
    actor: Actor,
    title: str,
    description: str,
    components: Sequence[str],
    starts_at: datetime,
    ends_at: datetime,
    now: datetime | None = None,
) -> Maintenance:
    now = now or timezone.now()
    title = (title or "").strip()
    description = (description or "").strip()
    if not title:
        raise MaintenanceError(_("Informe o título."), field="title")
    if not description:
        raise MaintenanceError(_("Descreva a manutenção para o público."), field="description")
    try:
        chosen = clean_components(components)
    except IncidentError as error:
        raise MaintenanceError(error.message, field=error.field) from error
    if ends_at <= starts_at:
        raise MaintenanceError(_("O fim deve ser posterior ao início."), field="ends_at")
    if not maintenance_notice_ok(now, starts_at):
        raise MaintenanceNoticeTooShort(notice_refusal_message(now), field="starts_at")

    with transaction.atomic():
        maintenance = Maintenance.objects.create(
            title=title[:200],
            description=description,
            components=chosen,
            scheduled_start=starts_at,
            scheduled_end=ends_at,
            announced_at=now,
            created_by_label=actor.label,
        )
        audit_record(
            actor=actor,
            action="maintenance.schedule",
            target=maintenance,
            after={
                "title": maintenance.title,
                "components": chosen,
                "starts_at": starts_at,
                "ends_at": ends_at,
                "announced_at": now,
            },
        )
        notice_publish(event=MAINTENANCE_SCHEDULED, object_id=maintenance.pk)
    return maintenance


def _locked(maintenance: Maintenance) -> Maintenance:
    return Maintenance.objects.select_for_update().get(pk=maintenance.pk)


def maintenance_start(*, actor: Actor, maintenance: Maintenance, at: datetime) -> Maintenance:
    """Opens the window: each component is down from `at` (REQ 6.2.5: maintenance counts)."""
    with transaction.atomic():
        maintenance = _locked(maintenance)
        if maintenance.status != MaintenanceStatus.SCHEDULED:
            raise MaintenanceError(_("Só uma manutenção agendada pode começar."))
        maintenance.status = MaintenanceStatus.IN_PROGRESS
        maintenance.started_at = at
        maintenance.save(update_fields=["status", "started_at"])
        cause = _("Manutenção programada: %(title)s") % {"title": maintenance.title}
        Downtime.objects.bulk_create(
            Downtime(
                component=key,
                started_at=at,
                cause=cause[:300],
                is_maintenance=True,
                maintenance=maintenance,
            )
            for key in maintenance.components
        )
        audit_record(
            actor=actor, action="maintenance.start", target=maintenance, after={"started_at": at}
        )
        notice_publish(event=MAINTENANCE_STARTED, object_id=maintenance.pk)
    return maintenance


def maintenance_complete(*, actor: Actor, maintenance: Maintenance, at: datetime) -> Maintenance:
    """Closes the window: the components are back at `at`."""
    with transaction.atomic():
        maintenance = _locked(maintenance)
        if maintenance.status != MaintenanceStatus.IN_PROGRESS:
            raise MaintenanceError(_("Só uma manutenção em andamento pode ser concluída."))
        assert maintenance.started_at is not None
        at = max(at, maintenance.started_at)
        maintenance.status = MaintenanceStatus.COMPLETED
        maintenance.completed_at = at
        maintenance.save(update_fields=["status", "completed_at"])
        Downtime.objects.filter(maintenance=maintenance, ended_at__isnull=True).update(ended_at=at)
        audit_record(
            actor=actor,
            action="maintenance.complete",
            target=maintenance,
            after={"completed_at": at},
        )
        notice_publish(event=MAINTENANCE_COMPLETED, object_id=maintenance.pk)
    return maintenance


def maintenance_cancel(*, actor: Actor, maintenance: Maintenance) -> Maintenance:
    with transaction.atomic():
        maintenance = _locked(maintenance)
        if maintenance.status != MaintenanceStatus.SCHEDULED:
            raise MaintenanceError(_("Só uma manutenção que ainda não começou pode ser cancelada."))
        maintenance.status = MaintenanceStatus.CANCELLED
        maintenance.cancelled_at = timezone.now()
        maintenance.save(update_fields=["status", "cancelled_at"])
        audit_record(
            actor=actor,
            action="maintenance.cancel",
            target=maintenance,
            after={"cancelled_at": maintenance.cancelled_at},
        )
        notice_publish(event=MAINTENANCE_CANCELLED, object_id=maintenance.pk)
    return maintenance


def maintenance_advance(*, now: datetime | None = None) -> tuple[int, int]:
    """Starts windows whose planned start has come and ends those whose planned end has passed.

    A window is counted from its planned start even when this runs late, so a late clock never
    shortens the downtime reported to clients. Returns (started, completed).
    """
    now = now or timezone.now()
    actor = Actor.system("manutenção programada")
    started = completed = 0
    due = Maintenance.objects.filter(status=MaintenanceStatus.SCHEDULED, scheduled_start__lte=now)
    for maintenance in due:
        maintenance_start(actor=actor, maintenance=maintenance, at=maintenance.scheduled_start)
        started += 1
    over = Maintenance.objects.filter(status=MaintenanceStatus.IN_PROGRESS, scheduled_end__lte=now)
    for maintenance in over:
        maintenance_complete(actor=actor, maintenance=maintenance, at=maintenance.scheduled_end)
        completed += 1
    return started, completed

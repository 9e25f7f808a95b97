"""Incidents: open, update through their states with public messages, resolve (REQ 6.2.9).

An incident whose impact is an outage records a downtime per component from its start; resolving
it records the recovery (REQ 6.2.3). Downtimes opened by a probe belong to the probe and are
closed by the probe's recovery, not by the incident.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from controlplane.components import component_get
from controlplane.errors import IncidentError
from controlplane.models import (
    Downtime,
    Incident,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
)
from controlplane.services.notices import (
    INCIDENT_OPENED,
    INCIDENT_RESOLVED,
    INCIDENT_UPDATED,
    notice_publish,
)
from security.actors import Actor
from security.audit import audit_record


def clean_components(components: Sequence[str]) -> list[str]:
    """Known component keys, without repeats, in the order given; refuses an empty choice."""
    chosen: list[str] = []
    for key in components:
        if component_get(key) is None:
            raise IncidentError(
                _("Componente desconhecido: %(key)s.") % {"key": key}, field="components"
            )
        if key not in chosen:
            chosen.append(key)
    if not chosen:
        raise IncidentError(_("Escolha pelo menos um componente afetado."), field="components")
    return chosen


def _clean_text(value: str, *, field: str, message: str, max_length: int | None = None) -> str:
    value = (value or "").strip()
    if not value:
        raise IncidentError(message, field=field)
    if max_length is not None and len(value) > max_length:
        raise IncidentError(
            _("Texto longo demais (máximo de %(max)d caracteres).") % {"max": max_length},
            field=field,
        )
    return value


def incident_open(
    *,
    actor: Actor,
    title: str,
    impact: str,
    components: Sequence[str],
    message: str,
    started_at: datetime | None = None,
    automatic: bool = False,
    probe_key: str = "",
    record_downtime: bool = True,
) -> Incident:
    """Opens an incident in "investigating" with its first public message.

    With impact OUTAGE and `record_downtime`, one downtime per component starts at `started_at`
    (the fall, which may be earlier than now). Probes pass `record_downtime=False`: they record
    their own downtime.
    """
    now = timezone.now()
    title = _clean_text(title, field="title", message=_("Informe o título."), max_length=200)
    message = _clean_text(message, field="message", message=_("Escreva a mensagem pública."))
    if impact not in IncidentImpact.values:
        raise IncidentError(_("Impacto inválido."), field="impact")
    chosen = clean_components(components)
    started_at = started_at or now
    if started_at > now:
        raise IncidentError(_("O início não pode estar no futuro."), field="started_at")

    with transaction.atomic():
        incident = Incident.objects.create(
            title=title,
            impact=impact,
            components=chosen,
            started_at=started_at,
            automatic=automatic,
            probe_key=probe_key,
            created_by_label=actor.label,
        )
        update = IncidentUpdate.objects.create(
            incident=incident,
            status=IncidentStatus.INVESTIGATING,
            message=message,
            posted_at=now,
            author_label=actor.label,
        )
        if impact == IncidentImpact.OUTAGE and record_downtime:
            Downtime.objects.bulk_create(
                Downtime(component=key, started_at=started_at, cause=title[:300], incident=incident)
                for key in chosen
            )
        audit_record(
            actor=actor,
            action="incident.open",
            target=incident,
            after={
                "title": title,
                "impact": impact,
                "components": chosen,
                "started_at": started_at,
                "message": message,
                "automatic": automatic,
            },
        )
        notice_publish(event=INCIDENT_OPENED, object_id=update.pk)
    return incident


def incident_update(
    *,
    actor: Actor,
    incident: Incident,
    status: str,
    message: str,
    resolved_at: datetime | None = None,
) -> IncidentUpdate:
    """Posts a public message and moves the incident to `status`.

    Any open state may follow any other (a fix being monitored can fail and send the incident back
    to investigating); a resolved incident is closed for good. Resolving records the recovery of
    the incident's own downtimes at `resolved_at` (now unless given; not before the start).
    """
    now = timezone.now()
    message = _clean_text(message, field="message", message=_("Escreva a mensagem pública."))
    if status not in IncidentStatus.values:
        raise IncidentError(_("Situação inválida."), field="status")
    with transaction.atomic():
        incident = Incident.objects.select_for_update().get(pk=incident.pk)
        if incident.status == IncidentStatus.RESOLVED:
            raise IncidentError(_("Este incidente já foi resolvido; abra um novo incidente."))
        before = {"status": incident.status}
        update = IncidentUpdate.objects.create(
            incident=incident,
            status=status,
            message=message,
            posted_at=now,
            author_label=actor.label,
        )
        incident.status = status
        event = INCIDENT_UPDATED
        if status == IncidentStatus.RESOLVED:
            resolved_at = resolved_at or now
            if resolved_at < incident.started_at or resolved_at > now:
                raise IncidentError(
                    _("O restabelecimento deve estar entre o início do incidente e agora."),
                    field="resolved_at",
                )
            incident.resolved_at = resolved_at
            Downtime.objects.filter(incident=incident, probe_key="", ended_at__isnull=True).update(
                ended_at=resolved_at
            )
            event = INCIDENT_RESOLVED
        incident.save(update_fields=["status", "resolved_at"])
        audit_record(
            actor=actor,
            action="incident.update",
            target=incident,
            before=before,
            after={"status": status, "message": message, "resolved_at": incident.resolved_at},
        )
        notice_publish(event=event, object_id=update.pk)
    return update

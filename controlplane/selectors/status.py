"""The public status page's content, computed once and rendered as HTML, JSON and Atom.

One snapshot feeds every format, so the page and the API cannot disagree. Only downtime that
affected every client is public; a single client's figures stay in the control plane.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.db.models import Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from controlplane.availability import (
    ComponentReport,
    DayState,
    DayStatus,
    component_availability,
    daily_status,
    month_window,
    platform_availability,
)
from controlplane.components import Component, components, critical_component_keys
from controlplane.models import (
    Downtime,
    Incident,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
    ProbeState,
)
from controlplane.probes.registry import probes
from controlplane.selectors.availability import downtime_intervals_public
from core.timezones import SAO_PAULO

DAYS_SHOWN = 90
MONTHS_SHOWN = 3
PAST_ITEMS_SHOWN = 20
SNAPSHOT_SECONDS = 30

OPERATIONAL = "operational"
DEGRADED = "degraded"
MAINTENANCE = "maintenance"
OUTAGE = "outage"
STATE_LABELS = {
    OPERATIONAL: _("Operacional"),
    DEGRADED: _("Desempenho degradado"),
    MAINTENANCE: _("Em manutenção"),
    OUTAGE: _("Indisponível"),
}
OVERALL_LABELS = {
    OPERATIONAL: _("Todos os serviços estão operacionais"),
    DEGRADED: _("Alguns serviços estão com desempenho degradado"),
    MAINTENANCE: _("Manutenção programada em andamento"),
    OUTAGE: _("Há serviços indisponíveis neste momento"),
}
DAY_LABELS = {
    DayState.OPERATIONAL: _("sem indisponibilidade"),
    DayState.DEGRADED: _("indisponibilidade parcial"),
    DayState.OUTAGE: _("indisponibilidade relevante"),
}
_SEVERITY = {OPERATIONAL: 0, DEGRADED: 1, MAINTENANCE: 2, OUTAGE: 3}


@dataclass(frozen=True)
class ProbeView:
    key: str
    label: str
    outcome: str
    checked_at: datetime | None


@dataclass(frozen=True)
class MonthFigure:
    year: int
    month: int
    availability_percent: Decimal
    downtime_minutes: Decimal
    maintenance_minutes: Decimal
    is_closed: bool

    @property
    def key(self) -> str:
        return f"{self.year:04d}-{self.month:02d}"

    @classmethod
    def of(cls, report: ComponentReport) -> MonthFigure:
        return cls(
            year=report.window.year,
            month=report.window.month,
            availability_percent=report.availability_percent,
            downtime_minutes=report.downtime_minutes.quantize(Decimal("0.001")),
            maintenance_minutes=report.maintenance_minutes.quantize(Decimal("0.001")),
            is_closed=report.is_closed,
        )


@dataclass(frozen=True)
class ComponentStatus:
    component: Component
    state: str
    probes: list[ProbeView]
    days: list[DayStatus]
    months: list[MonthFigure]

    @property
    def state_label(self) -> str:
        return str(STATE_LABELS[self.state])

    @property
    def day_counts(self) -> dict[str, int]:
        counts = {state.value: 0 for state in DayState}
        for day in self.days:
            counts[day.state.value] += 1
        return counts


@dataclass(frozen=True)
class StatusSnapshot:
    generated_at: datetime
    state: str
    components: list[ComponentStatus]
    platform_months: list[MonthFigure]
    active_incidents: list[Incident]
    recent_incidents: list[Incident]
    active_maintenance: list[Maintenance]
    upcoming_maintenance: list[Maintenance]
    past_maintenance: list[Maintenance]

    @property
    def state_label(self) -> str:
        return str(OVERALL_LABELS[self.state])

    @property
    def month_keys(self) -> list[str]:
        return [figure.key for figure in self.platform_months]


def _months_back(today: date, count: int) -> list[tuple[int, int]]:
    year, month = today.year, today.month
    months = []
    for _index in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def _component_states(now: datetime) -> dict[str, str]:
    states: dict[str, str] = {}

    def worsen(key: str, state: str) -> None:
        if _SEVERITY[state] > _SEVERITY[states.get(key, OPERATIONAL)]:
            states[key] = state

    open_downtime = Downtime.objects.filter(tenant__isnull=True, started_at__lte=now).filter(
        Q(ended_at__isnull=True) | Q(ended_at__gt=now)
    )
    for key, is_maintenance in open_downtime.values_list("component", "is_maintenance"):
        worsen(key, MAINTENANCE if is_maintenance else OUTAGE)
    degraded = Incident.objects.exclude(status=IncidentStatus.RESOLVED).filter(
        impact=IncidentImpact.DEGRADED
    )
    for keys in degraded.values_list("components", flat=True):
        for key in keys:
            worsen(key, DEGRADED)
    return states


def _with_updates() -> Prefetch:
    return Prefetch("updates", queryset=IncidentUpdate.objects.order_by("-posted_at", "-id"))


def snapshot_time() -> datetime:
    """Now, cut to the last 30-second mark (the probes' period): every request and format in
    the same half minute computes the same figures, ongoing downtime included."""
    now = timezone.now()
    return now.replace(second=now.second - now.second % SNAPSHOT_SECONDS, microsecond=0)


def status_snapshot(*, now: datetime | None = None) -> StatusSnapshot:
    now = now or snapshot_time()
    today = now.astimezone(SAO_PAULO).date()
    first_day = today - timedelta(days=DAYS_SHOWN - 1)
    months = sorted(_months_back(today, MONTHS_SHOWN))
    oldest_month = month_window(*months[0])
    range_start = min(
        oldest_month.start, datetime.combine(first_day, datetime.min.time(), tzinfo=SAO_PAULO)
    )
    intervals = downtime_intervals_public(start=range_start, end=now)

    states = _component_states(now)
    probe_states = {state.probe: state for state in ProbeState.objects.all()}
    registered = probes()
    component_rows = []
    for component in components():
        own = [interval for interval in intervals if interval.component == component.key]
        watching = [
            ProbeView(
                key=probe.key,
                label=probe.label,
                outcome=(probe_states[probe.key].last_outcome if probe.key in probe_states else ""),
                checked_at=(
                    probe_states[probe.key].last_checked_at if probe.key in probe_states else None
                ),
            )
            for probe in registered
            if component.key in probe.components
        ]
        component_rows.append(
            ComponentStatus(
                component=component,
                state=states.get(component.key, OPERATIONAL),
                probes=watching,
                days=daily_status(own, first_day, DAYS_SHOWN, now=now),
                months=[
                    MonthFigure.of(
                        component_availability(own, year, month, now, component=component.key)
                    )
                    for year, month in months
                ],
            )
        )
    critical = critical_component_keys()
    platform_months = [
        MonthFigure.of(platform_availability(intervals, critical, year, month, now))
        for year, month in months
    ]
    overall = max(
        (row.state for row in component_rows), key=lambda s: _SEVERITY[s], default=OPERATIONAL
    )

    incidents = Incident.objects.prefetch_related(_with_updates())
    since = now - timedelta(days=DAYS_SHOWN)
    maintenance = Maintenance.objects.all()
    return StatusSnapshot(
        generated_at=now,
        state=overall,
        components=component_rows,
        platform_months=platform_months,
        active_incidents=list(incidents.exclude(status=IncidentStatus.RESOLVED)),
        recent_incidents=list(
            incidents.filter(status=IncidentStatus.RESOLVED, started_at__gte=since)[
                :PAST_ITEMS_SHOWN
            ]
        ),
        active_maintenance=list(
            maintenance.filter(status=MaintenanceStatus.IN_PROGRESS).order_by("scheduled_start")
        ),
        upcoming_maintenance=list(
            maintenance.filter(status=MaintenanceStatus.SCHEDULED).order_by("scheduled_start")
        ),
        past_maintenance=list(
            maintenance.filter(
                status__in=[MaintenanceStatus.COMPLETED, MaintenanceStatus.CANCELLED],
                scheduled_start__gte=since,
            ).order_by("-scheduled_start")[:PAST_ITEMS_SHOWN]
        ),
    )


# --- The JSON form ---------------------------------------------------------------------------


def _iso(moment: datetime | None) -> str | None:
    return moment.isoformat() if moment is not None else None


def _month_dict(figure: MonthFigure) -> dict[str, Any]:
    return {
        "month": figure.key,
        "availability_percent": str(figure.availability_percent),
        "downtime_minutes": str(figure.downtime_minutes),
        "maintenance_minutes": str(figure.maintenance_minutes),
        "is_closed": figure.is_closed,
    }


def incident_dict(incident: Incident) -> dict[str, Any]:
    return {
        "id": incident.pk,
        "title": incident.title,
        "impact": incident.impact,
        "impact_label": str(incident.get_impact_display()),
        "status": incident.status,
        "status_label": str(incident.get_status_display()),
        "components": list(incident.components),
        "started_at": _iso(incident.started_at),
        "resolved_at": _iso(incident.resolved_at),
        "updates": [
            {
                "status": update.status,
                "status_label": str(update.get_status_display()),
                "message": update.message,
                "posted_at": _iso(update.posted_at),
            }
            for update in incident.updates.all()
        ],
    }


def maintenance_dict(maintenance: Maintenance) -> dict[str, Any]:
    return {
        "id": maintenance.pk,
        "title": maintenance.title,
        "description": maintenance.description,
        "status": maintenance.status,
        "status_label": str(maintenance.get_status_display()),
        "components": list(maintenance.components),
        "scheduled_start": _iso(maintenance.scheduled_start),
        "scheduled_end": _iso(maintenance.scheduled_end),
        "announced_at": _iso(maintenance.announced_at),
        "started_at": _iso(maintenance.started_at),
        "completed_at": _iso(maintenance.completed_at),
    }


def snapshot_dict(snapshot: StatusSnapshot) -> dict[str, Any]:
    return {
        "generated_at": _iso(snapshot.generated_at),
        "timezone": "America/Sao_Paulo",
        "state": snapshot.state,
        "state_label": snapshot.state_label,
        "sla": {
            "target_percent": "99.9",
            "monthly_cap_minutes": "45",
            "maintenance_counts_as_downtime": True,
        },
        "platform": {"months": [_month_dict(figure) for figure in snapshot.platform_months]},
        "components": [
            {
                "key": row.component.key,
                "name": str(row.component.name),
                "description": str(row.component.description),
                "critical": row.component.critical,
                "state": row.state,
                "state_label": row.state_label,
                "probes": [
                    {
                        "key": probe.key,
                        "label": probe.label,
                        "outcome": probe.outcome or None,
                        "checked_at": _iso(probe.checked_at),
                    }
                    for probe in row.probes
                ],
                "months": [_month_dict(figure) for figure in row.months],
                "days": [
                    {
                        "date": day.day.isoformat(),
                        "state": day.state.value,
                        "downtime_minutes": str(day.downtime_minutes.quantize(Decimal("0.001"))),
                        "maintenance_minutes": str(
                            day.maintenance_minutes.quantize(Decimal("0.001"))
                        ),
                    }
                    for day in row.days
                ],
            }
            for row in snapshot.components
        ],
        "incidents": {
            "active": [incident_dict(incident) for incident in snapshot.active_incidents],
            "recent": [incident_dict(incident) for incident in snapshot.recent_incidents],
        },
        "maintenance": {
            "active": [maintenance_dict(item) for item in snapshot.active_maintenance],
            "upcoming": [maintenance_dict(item) for item in snapshot.upcoming_maintenance],
            "past": [maintenance_dict(item) for item in snapshot.past_maintenance],
        },
    }

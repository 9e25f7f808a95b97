"""Runs the probes and turns streaks of failures into downtime and incidents.

A probe that fails `STATUS_PROBE_FAILURES_TO_OPEN` times in a row (3, 30 s apart, by default)
records downtime for its components from its *first* failed check — the fall (REQ 6.2.3) — and
opens a public incident; its first successful check after that is the recovery, which closes
the downtime and resolves the incident. A shorter streak is kept in the results but counts as the
probe's own noise. While a maintenance window already covers all of a probe's components, the
downtime is recorded (it overlaps the maintenance and is counted once) but no incident is opened.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db import connections, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from controlplane import conf
from controlplane.models import (
    Downtime,
    Incident,
    IncidentImpact,
    IncidentStatus,
    Maintenance,
    MaintenanceStatus,
    ProbeResult,
    ProbeState,
)
from controlplane.probes.registry import OutcomeKind, Probe, ProbeOutcome, probes
from controlplane.services.incidents import incident_open, incident_update
from security.actors import Actor
from security.audit import audit_record

PROBE_ACTOR_LABEL = "sondas de disponibilidade"


@dataclass(frozen=True)
class ProbeRun:
    probe: str
    outcome: ProbeOutcome
    opened_outage: bool = False
    closed_outage: bool = False


def _run_check(probe: Probe) -> ProbeOutcome:
    started = time.monotonic()
    try:
        outcome = probe.check()
    except Exception as error:  # any failure of the checked thing is the result
        detail = f"{type(error).__name__}: {error}"
        return ProbeOutcome.failed(detail[:500], int((time.monotonic() - started) * 1000))
    if outcome.latency_ms is None and outcome.kind == OutcomeKind.OK:
        return ProbeOutcome.ok(outcome.detail, int((time.monotonic() - started) * 1000))
    return outcome


def _run_check_in_thread(probe: Probe) -> ProbeOutcome:
    try:
        return _run_check(probe)
    finally:
        # This pool thread opened its own database connection, if any: do not leak it.
        connections.close_all()


def check_all(selected: Sequence[Probe]) -> list[ProbeOutcome]:
    """Runs the checks side by side; a check still running after the deadline has failed."""
    deadline = conf.probe_timeout_seconds() * 3
    if len(selected) <= 1:
        return [_run_check(probe) for probe in selected]
    pool = ThreadPoolExecutor(max_workers=len(selected), thread_name_prefix="probe")
    try:
        futures = [pool.submit(_run_check_in_thread, probe) for probe in selected]
        outcomes = []
        for future in futures:
            try:
                outcomes.append(future.result(timeout=deadline))
            except FutureTimeout:
                outcomes.append(
                    ProbeOutcome.failed(_("tempo esgotado (%(s)d s)") % {"s": deadline})
                )
        return outcomes
    finally:
        pool.shutdown(wait=False, cancel_futures=True)


def probes_run(
    *, selected: Sequence[Probe] | None = None, now: datetime | None = None
) -> list[ProbeRun]:
    chosen = list(selected) if selected is not None else probes()
    now = now or timezone.now()
    outcomes = check_all(chosen)
    return [
        probe_record(probe=probe, outcome=outcome, checked_at=now)
        for probe, outcome in zip(chosen, outcomes, strict=True)
    ]


def _maintenance_covers(components: Sequence[str], at: datetime) -> bool:
    windows = Maintenance.objects.filter(
        status=MaintenanceStatus.IN_PROGRESS, started_at__lte=at
    ).values_list("components", flat=True)
    covered = {key for window in windows for key in window}
    return set(components) <= covered


def _outage_open(probe: Probe, state: ProbeState, outcome: ProbeOutcome, at: datetime) -> None:
    actor = Actor.system(PROBE_ACTOR_LABEL)
    since = state.failing_since or at
    cause = f"{probe.label}: {outcome.detail}"[:300]
    incident: Incident | None = None
    if not _maintenance_covers(probe.components, since):
        incident = incident_open(
            actor=actor,
            title=_("Falha detectada: %(probe)s") % {"probe": probe.label},
            impact=IncidentImpact.OUTAGE,
            components=probe.components,
            message=_(
                "Nossas verificações automáticas detectaram uma falha desde %(since)s "
                "(horário de Brasília). Estamos investigando."
            )
            % {"since": timezone.localtime(since).strftime("%d/%m/%Y %H:%M:%S")},
            started_at=since,
            automatic=True,
            probe_key=probe.key,
            record_downtime=False,
        )
    Downtime.objects.bulk_create(
        Downtime(
            component=key, started_at=since, cause=cause, probe_key=probe.key, incident=incident
        )
        for key in probe.components
    )
    state.down = True
    state.incident = incident
    audit_record(
        actor=actor,
        action="probe.down",
        object_type="probe",
        object_id=probe.key,
        object_repr=probe.label,
        after={"since": since, "detail": outcome.detail, "components": list(probe.components)},
    )


def _outage_close(probe: Probe, state: ProbeState, at: datetime) -> None:
    actor = Actor.system(PROBE_ACTOR_LABEL)
    Downtime.objects.filter(probe_key=probe.key, ended_at__isnull=True).update(ended_at=at)
    incident = state.incident
    if incident is not None and incident.automatic:
        incident.refresh_from_db()
        if incident.status != IncidentStatus.RESOLVED:
            incident_update(
                actor=actor,
                incident=incident,
                status=IncidentStatus.RESOLVED,
                message=_(
                    "O serviço foi restabelecido às %(at)s (horário de Brasília), confirmado "
                    "pelas verificações automáticas."
                )
                % {"at": timezone.localtime(at).strftime("%d/%m/%Y %H:%M:%S")},
                resolved_at=at,
            )
    state.down = False
    state.incident = None
    audit_record(
        actor=actor,
        action="probe.up",
        object_type="probe",
        object_id=probe.key,
        object_repr=probe.label,
        after={"at": at},
    )


def probe_record(*, probe: Probe, outcome: ProbeOutcome, checked_at: datetime) -> ProbeRun:
    """Stores one result and moves the probe's state (under a row lock)."""
    opened = closed = False
    with transaction.atomic():
        ProbeState.objects.get_or_create(probe=probe.key)
        state = (
            ProbeState.objects.select_for_update(of=("self",))
            .select_related("incident")
            .get(probe=probe.key)
        )
        ProbeResult.objects.create(
            probe=probe.key,
            checked_at=checked_at,
            outcome=outcome.kind.value,
            latency_ms=outcome.latency_ms,
            detail=outcome.detail[:500],
        )
        if outcome.kind == OutcomeKind.FAILED:
            if state.consecutive_failures == 0:
                state.failing_since = checked_at
            state.consecutive_failures += 1
            if not state.down and state.consecutive_failures >= conf.probe_failures_to_open():
                _outage_open(probe, state, outcome, checked_at)
                opened = True
        else:
            # OK is the recovery; NOT_CONFIGURED means the probe can no longer tell, so an
            # outage it opened ends where its evidence ends.
            if state.down:
                _outage_close(probe, state, checked_at)
                closed = True
            state.consecutive_failures = 0
            state.failing_since = None
        state.last_outcome = outcome.kind.value
        state.last_checked_at = checked_at
        state.last_detail = outcome.detail[:500]
        state.last_latency_ms = outcome.latency_ms
        state.save()
    return ProbeRun(probe=probe.key, outcome=outcome, opened_outage=opened, closed_outage=closed)


def probe_results_purge(*, now: datetime | None = None) -> int:
    """Deletes results older than the retention; downtime rows (the SLA record) are kept."""
    now = now or timezone.now()
    cutoff = now - timedelta(days=conf.probe_result_retention_days())
    deleted, _by_model = ProbeResult.objects.filter(checked_at__lt=cutoff).delete()
    return deleted

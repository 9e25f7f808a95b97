"""The operators' read-only real-time dashboard (REQ 6.2.13), refreshed by htmx polling."""

from __future__ import annotations

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.views.decorators.http import require_GET

from controlplane.models import Backup, ProbeState
from controlplane.probes.registry import probes
from controlplane.selectors.dashboard import dashboard_all_tenants
from core.permissions import operator_required

REFRESH_SECONDS = 10


def _context() -> dict[str, object]:
    states = {state.probe: state for state in ProbeState.objects.all()}
    return {
        "dashboard": dashboard_all_tenants(),
        "probe_rows": [(probe, states.get(probe.key)) for probe in probes()],
        "refresh_seconds": REFRESH_SECONDS,
    }


@operator_required
@require_GET
def dashboard(request: HttpRequest) -> HttpResponse:
    return render(request, "controlplane/dashboard.html", _context())


@operator_required
@require_GET
def dashboard_figures(request: HttpRequest) -> HttpResponse:
    return render(request, "controlplane/_dashboard_figures.html", _context())


@operator_required
@require_GET
def backup_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "controlplane/backup_list.html",
        {"backups": Backup.objects.select_related("tenant")[:200]},
    )

"""Operators' screens for incidents and planned maintenance (REQ 6.2.5, 6.2.9)."""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from controlplane.business_days import earliest_maintenance_start
from controlplane.components import component_name
from controlplane.errors import ControlPlaneError
from controlplane.forms import IncidentForm, IncidentUpdateForm, MaintenanceForm
from controlplane.models import Incident, Maintenance
from controlplane.services.incidents import incident_open, incident_update
from controlplane.services.maintenance import (
    maintenance_cancel,
    maintenance_complete,
    maintenance_schedule,
    maintenance_start,
)
from core.permissions import operator_required
from security.actors import Actor


def _form_error(form: object, error: ControlPlaneError) -> None:
    fields = getattr(form, "fields", {})
    form.add_error(error.field if error.field in fields else None, error.message)  # type: ignore[attr-defined]


@operator_required
@require_safe
def incident_list(request: HttpRequest) -> HttpResponse:
    incidents = Incident.objects.prefetch_related("updates")[:100]
    return render(request, "controlplane/incident_list.html", {"incidents": incidents})


@operator_required
@require_http_methods(["GET", "POST"])
def incident_new(request: HttpRequest) -> HttpResponse:
    form = IncidentForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident = incident_open(actor=Actor.from_request(request), **form.cleaned_data)
        except ControlPlaneError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Incidente publicado na página de status."))
            return redirect("controlplane:incident_detail", incident_id=incident.pk)
    return render(request, "controlplane/incident_form.html", {"form": form})


@operator_required
@require_http_methods(["GET", "POST"])
def incident_detail(request: HttpRequest, incident_id: int) -> HttpResponse:
    incident = get_object_or_404(Incident, pk=incident_id)
    form = IncidentUpdateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            incident_update(
                actor=Actor.from_request(request), incident=incident, **form.cleaned_data
            )
        except ControlPlaneError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Atualização publicada."))
            return redirect("controlplane:incident_detail", incident_id=incident.pk)
    return render(
        request,
        "controlplane/incident_detail.html",
        {
            "incident": incident,
            "form": form,
            "component_names": [component_name(key) for key in incident.components],
            "downtimes": incident.downtimes.order_by("component"),
        },
    )


@operator_required
@require_safe
def maintenance_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "controlplane/maintenance_list.html",
        {
            "windows": Maintenance.objects.all()[:100],
            "earliest_start": earliest_maintenance_start(timezone.now()),
        },
    )


@operator_required
@require_http_methods(["GET", "POST"])
def maintenance_new(request: HttpRequest) -> HttpResponse:
    form = MaintenanceForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            maintenance_schedule(actor=Actor.from_request(request), **form.cleaned_data)
        except ControlPlaneError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Manutenção agendada e anunciada."))
            return redirect("controlplane:maintenance_list")
    return render(
        request,
        "controlplane/maintenance_form.html",
        {
            "form": form,
            "earliest_start": earliest_maintenance_start(timezone.now()),
        },
    )


@operator_required
@require_POST
def maintenance_action(request: HttpRequest, maintenance_id: int, action: str) -> HttpResponse:
    maintenance = get_object_or_404(Maintenance, pk=maintenance_id)
    actor = Actor.from_request(request)
    try:
        if action == "iniciar":
            maintenance_start(actor=actor, maintenance=maintenance, at=timezone.now())
        elif action == "concluir":
            maintenance_complete(actor=actor, maintenance=maintenance, at=timezone.now())
        elif action == "cancelar":
            maintenance_cancel(actor=actor, maintenance=maintenance)
        else:
            messages.error(request, _("Ação desconhecida."))
            return redirect("controlplane:maintenance_list")
    except ControlPlaneError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Manutenção atualizada."))
    return redirect("controlplane:maintenance_list")

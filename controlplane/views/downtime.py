"""Operators' screen of recorded downtime, where a fall is attributed to the client that caused it
(REQ 6.2.4)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from controlplane.availability import month_window
from controlplane.components import component_name
from controlplane.errors import ControlPlaneError
from controlplane.forms import ExclusionForm
from controlplane.models import Downtime, DowntimeExclusion
from controlplane.reports.availability_report import available_months
from controlplane.selectors.availability import downtime_list
from controlplane.services.downtime import downtime_exclude_for_tenant, downtime_exclusion_revoke
from core.permissions import operator_required
from core.timezones import SAO_PAULO
from security.actors import Actor


def _month(request: HttpRequest) -> tuple[int, int]:
    raw = request.GET.get("mes", "")
    if not raw:
        today = timezone.now().astimezone(SAO_PAULO)
        return today.year, today.month
    try:
        year, month = (int(part) for part in raw.split("-", 1))
        month_window(year, month)
    except ValueError as error:
        raise Http404 from error
    return year, month


@operator_required
@require_safe
def downtime_index(request: HttpRequest) -> HttpResponse:
    year, month = _month(request)
    window = month_window(year, month)
    rows = downtime_list(start=window.start, end=window.end)
    return render(
        request,
        "controlplane/downtime_list.html",
        {
            "rows": [(row, component_name(row.component)) for row in rows],
            "year": year,
            "month": month,
            "months": available_months(),
        },
    )


@operator_required
@require_http_methods(["GET", "POST"])
def downtime_exclude(request: HttpRequest, downtime_id: int) -> HttpResponse:
    downtime = get_object_or_404(Downtime, pk=downtime_id)
    form = ExclusionForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            downtime_exclude_for_tenant(
                actor=Actor.from_request(request), downtime=downtime, **form.cleaned_data
            )
        except ControlPlaneError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Registrado: esta indisponibilidade não conta no SLA deste cliente.")
            )
            return redirect("controlplane:downtime_index")
    return render(
        request,
        "controlplane/downtime_exclude.html",
        {
            "downtime": downtime,
            "component": component_name(downtime.component),
            "form": form,
        },
    )


@operator_required
@require_POST
def exclusion_revoke(request: HttpRequest, exclusion_id: int) -> HttpResponse:
    exclusion = get_object_or_404(DowntimeExclusion, pk=exclusion_id)
    downtime_exclusion_revoke(actor=Actor.from_request(request), exclusion=exclusion)
    messages.success(request, _("A indisponibilidade volta a contar para este cliente."))
    return redirect("controlplane:downtime_index")

"""Operators' screens for clients: list, onboarding, detail with checklist, contract end,
archive, backups and the monthly availability report."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from controlplane.backup.services import backup_request, latest_backup
from controlplane.errors import LifecycleError
from controlplane.forms import ContractEndForm, OnboardingForm
from controlplane.models import Backup, ContractClosure
from controlplane.onboarding import onboarding_checklist
from controlplane.reports.availability_report import (
    available_months,
    month_window_valid,
    tenant_availability_report,
)
from controlplane.selectors import tenant_list_all_tenants
from controlplane.services.lifecycle import tenant_archive, tenant_contract_end
from controlplane.views.report_downloads import report_response
from core.permissions import operator_required
from security.actors import Actor
from tenants.errors import ProvisioningError
from tenants.models import Tenant
from tenants.services import tenant_provision


def _tenant(slug: str) -> Tenant:
    return get_object_or_404(tenant_list_all_tenants(), slug=slug)


@operator_required
@require_safe
def tenant_list(request: HttpRequest) -> HttpResponse:
    return render(request, "controlplane/tenant_list.html", {"tenants": tenant_list_all_tenants()})


@operator_required
@require_http_methods(["GET", "POST"])
def tenant_onboard(request: HttpRequest) -> HttpResponse:
    form = OnboardingForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            result = tenant_provision(actor=Actor.from_request(request), **form.cleaned_data)
        except ProvisioningError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("%(name)s foi criado. O convite foi enviado para %(email)s.")
                % {"name": result.tenant.name, "email": form.cleaned_data["admin_email"]},
            )
            return redirect("controlplane:tenant_detail", slug=result.tenant.slug)
    return render(request, "controlplane/tenant_form.html", {"form": form})


@operator_required
@require_safe
def tenant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(slug)
    return render(
        request,
        "controlplane/tenant_detail.html",
        {
            "tenant": tenant,
            "checklist": onboarding_checklist(tenant),
            "closure": ContractClosure.objects.filter(tenant=tenant).first(),
            "contract_end_form": ContractEndForm(),
            "backups": Backup.objects.filter(schema_name=tenant.schema_name)[:10],
            "latest_backup": latest_backup(tenant.schema_name),
            "months": available_months(),
        },
    )


@operator_required
@require_POST
def tenant_contract_end_view(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(slug)
    form = ContractEndForm(request.POST)
    if form.is_valid():
        try:
            tenant_contract_end(
                actor=Actor.from_request(request), tenant=tenant, **form.cleaned_data
            )
        except LifecycleError as error:
            messages.error(request, error.message)
        else:
            messages.success(request, _("Contrato encerrado: o ambiente agora é somente leitura."))
    else:
        for field_errors in form.errors.values():
            for message in field_errors:
                messages.error(request, str(message))
    return redirect("controlplane:tenant_detail", slug=slug)


@operator_required
@require_POST
def tenant_archive_view(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = _tenant(slug)
    try:
        tenant_archive(actor=Actor.from_request(request), tenant=tenant)
    except LifecycleError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Cliente arquivado."))
    return redirect("controlplane:tenant_detail", slug=slug)


@operator_required
@require_POST
def tenant_backup_view(request: HttpRequest, slug: str) -> HttpResponse:
    backup_request(actor=Actor.from_request(request), tenant=_tenant(slug))
    messages.success(request, _("Backup solicitado; ele aparece na lista ao terminar."))
    return redirect("controlplane:tenant_detail", slug=slug)


@operator_required
@require_safe
def tenant_availability(request: HttpRequest, slug: str, year: int, month: int) -> HttpResponse:
    tenant = _tenant(slug)
    if not month_window_valid(year, month):
        raise Http404
    report = tenant_availability_report(tenant=tenant, year=year, month=month)
    return render(
        request,
        "controlplane/availability_report.html",
        {
            "report": report,
            "tenant": tenant,
            "pdf_url": f"{request.path}pdf/",
            "csv_url": f"{request.path}csv/",
        },
    )


@operator_required
@require_safe
def tenant_availability_download(
    request: HttpRequest, slug: str, year: int, month: int, extension: str
) -> HttpResponse:
    return report_response(_tenant(slug), year, month, extension)

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from controlplane.forms import OnboardingForm
from controlplane.selectors import tenant_list_all_tenants
from core.permissions import operator_required
from security.actors import Actor
from tenants.errors import ProvisioningError
from tenants.services import tenant_provision


@operator_required
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
def tenant_detail(request: HttpRequest, slug: str) -> HttpResponse:
    tenant = get_object_or_404(tenant_list_all_tenants(), slug=slug)
    return render(request, "controlplane/tenant_detail.html", {"tenant": tenant})

"""Privacy screens on the tenant host under /privacidade/: the contact panel and CSV (masked
for users without view_sensitive_data), consent keywords, and a contact's LGPD requests."""

from __future__ import annotations

import csv
import json

from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.permissions import capability_required, has_capability
from desk.models import Contact
from privacy.forms import ConsentChangeForm, CpfForm, KeywordsForm
from privacy.models import ConsentMethod, ConsentState
from privacy.services import (
    consent_history,
    consent_set,
    contact_cpf_get,
    contact_cpf_set,
    keywords_get,
    keywords_update,
)
from privacy.services.subject_requests import (
    contact_anonymize,
    contact_export,
    contact_export_pdf,
)
from security.actors import Actor
from security.masking import mask_text

PANEL_CAPABILITIES = ("serve", "manage_settings")


def _require_panel(request: HttpRequest) -> None:
    if not any(has_capability(request.user, cap) for cap in PANEL_CAPABILITIES):
        raise PermissionDenied


@require_safe
def contact_panel(request: HttpRequest, contact_id: int) -> HttpResponse:
    """The contact panel: personal data masked by the template's |mask filter."""
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    _require_panel(request)
    contact = get_object_or_404(Contact, pk=contact_id)
    return render(
        request,
        "privacy/contact_panel.html",
        {
            "contact": contact,
            "cpf": contact_cpf_get(contact),
            "identities": contact.identities.select_related("channel"),
            "consents": ConsentState.objects.filter(contact=contact).select_related("channel"),
        },
    )


@require_safe
def contacts_csv(request: HttpRequest) -> HttpResponse:
    if not request.user.is_authenticated:
        return redirect("accounts:login")
    _require_panel(request)
    response = HttpResponse(content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = 'attachment; filename="contatos.csv"'
    writer = csv.writer(response)
    writer.writerow([_("id"), _("nome"), _("telefone"), _("e-mail"), _("CPF")])
    user = request.user
    for contact in Contact.objects.select_related("personal_data").order_by("name", "id"):
        personal = getattr(contact, "personal_data", None)
        cpf = personal.cpf if personal is not None else ""
        writer.writerow(
            [contact.pk]
            + [mask_text(value, user) for value in (contact.name, contact.phone, contact.email)]
            + [mask_text(cpf, user)]
        )
    return response


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def keywords(request: HttpRequest) -> HttpResponse:
    current = keywords_get()
    form = KeywordsForm(
        request.POST or None,
        initial={
            "opt_out_keywords": ", ".join(current.opt_out_keywords),
            "opt_in_keywords": ", ".join(current.opt_in_keywords),
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            keywords_update(
                actor=Actor.from_request(request),
                opt_out_keywords=form.opt_out(),
                opt_in_keywords=form.opt_in(),
            )
        except ValueError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, _("Palavras-chave salvas."))
            return redirect("privacy:keywords")
    return render(request, "privacy/keywords.html", {"form": form})


@capability_required("manage_settings")
@require_safe
def contact_requests(request: HttpRequest, contact_id: int) -> HttpResponse:
    """A contact's consent history and the LGPD requests (export, anonymize)."""
    contact = get_object_or_404(Contact, pk=contact_id)
    return render(
        request,
        "privacy/contact_requests.html",
        {
            "contact": contact,
            "cpf": contact_cpf_get(contact),
            "history": consent_history(contact),
            "consent_form": ConsentChangeForm(),
            "cpf_form": CpfForm(),
        },
    )


@capability_required("manage_settings")
@require_POST
def consent_change(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    form = ConsentChangeForm(request.POST)
    if form.is_valid():
        consent_set(
            actor=Actor.from_request(request),
            contact=contact,
            channel=form.cleaned_data["channel"],
            status=form.cleaned_data["status"],
            method=ConsentMethod.ADMIN,
            note=form.cleaned_data["note"],
        )
        messages.success(request, _("Consentimento registrado."))
    else:
        messages.error(request, _("Escolha o canal e a situação."))
    return redirect("privacy:contact_requests", contact_id=contact.pk)


@capability_required("manage_settings")
@require_POST
def cpf_set(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    form = CpfForm(request.POST)
    if form.is_valid():
        try:
            contact_cpf_set(
                actor=Actor.from_request(request), contact=contact, cpf=form.cleaned_data["cpf"]
            )
        except ValidationError as error:
            messages.error(request, " ".join(error.messages))
        else:
            messages.success(request, _("CPF salvo."))
    return redirect("privacy:contact_requests", contact_id=contact.pk)


@capability_required("manage_settings")
@require_safe
def export_json(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    data = contact_export(actor=Actor.from_request(request), contact=contact)
    response = HttpResponse(
        json.dumps(data, ensure_ascii=False, indent=2), content_type="application/json"
    )
    response["Content-Disposition"] = f'attachment; filename="titular-{contact.pk}.json"'
    return response


@capability_required("manage_settings")
@require_safe
def export_pdf(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    pdf = contact_export_pdf(actor=Actor.from_request(request), contact=contact)
    response = HttpResponse(pdf, content_type="application/pdf")
    response["Content-Disposition"] = f'attachment; filename="titular-{contact.pk}.pdf"'
    return response


@capability_required("manage_settings")
@require_POST
def anonymize(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = get_object_or_404(Contact, pk=contact_id)
    contact_anonymize(actor=Actor.from_request(request), contact=contact)
    messages.success(request, _("Contato anonimizado."))
    return redirect("privacy:contact_requests", contact_id=contact.pk)

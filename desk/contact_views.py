"""The contacts screens on the tenant host under /contatos/ (6.5.38, 6.5.39, 6.5.37.9, 6.5.40,
6.5.58.11, 6.5.58.18).

- list and search (name or phone), filter by channel or exclusive team, paginated: anyone who
  serves, supervises or administers, each seeing the contacts `contact_selectors` allows;
- consent per channel shown on every row, changed by administrators (`manage_settings`);
- export of the filtered list to CSV or XLSX: supervisors and administrators, audited;
- import from CSV or XLSX with the column mapping chosen on screen: administrators.

Personal data goes through the masker of the user (`view_sensitive_data` sees it plain) on the
screen and in the exports alike. Thin views: a form, a selector or one service call.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from core.permissions import capability_required, has_capability
from desk.contact_forms import (
    ConsentChangeForm,
    ContactFilterForm,
    ImportMappingForm,
    ImportUploadForm,
)
from desk.contact_selectors import (
    contact_consents_all_channels,
    contact_list,
    contact_rows,
    contacts_visible,
    may_export_contacts,
    may_list_contacts,
    sees_every_contact,
)
from desk.models import ContactImport, ContactTeamAccess, ImportStatus
from desk.services.contact_import import (
    ImportField,
    ImportRejected,
    ParsedRow,
    column_samples,
    contact_import_map,
    contact_import_preview,
    contact_import_start,
    contact_import_upload,
    size_error,
)
from privacy.models import ConsentMethod, ConsentStatus
from privacy.services.consent import consent_history, consent_set
from privacy.services.personal_data import contact_cpf_get
from security.actors import Actor
from security.audit import audit_record
from security.exports import export_response
from security.masking import masker_for

PAGE_SIZE = 50
EXPORT_FORMATS = ("csv", "xlsx")
RECENT_IMPORTS = 10

admin_only = capability_required("manage_settings")


def _require_list(request: HttpRequest) -> HttpResponse | None:
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_list_contacts(request.user):
        raise PermissionDenied
    return None


def _filter_form(request: HttpRequest) -> ContactFilterForm:
    return ContactFilterForm(request.GET or None, with_team=sees_every_contact(request.user))


def _filter_query(form: ContactFilterForm) -> str:
    """The filters as a query string, for page links and exports."""
    if not form.is_bound or not form.is_valid():
        return ""
    values = {
        key: (value.pk if hasattr(value, "pk") else value)
        for key, value in form.cleaned_data.items()
        if value
    }
    return urlencode(values)


@require_safe
def contact_list_view(request: HttpRequest) -> HttpResponse:
    denied = _require_list(request)
    if denied is not None:
        return denied
    form = _filter_form(request)
    contacts = contact_list(user=request.user, **form.filters())
    page = Paginator(contacts, PAGE_SIZE).get_page(request.GET.get("pagina"))
    return render(
        request,
        "desk/contacts/list.html",
        {
            "form": form,
            "page": page,
            "rows": contact_rows(page.object_list),
            "filter_query": _filter_query(form),
            "can_change_consent": has_capability(request.user, "manage_settings"),
            "can_export": may_export_contacts(request.user),
            "can_import": has_capability(request.user, "manage_settings"),
            "opt_in": ConsentStatus.OPT_IN,
            "opt_out": ConsentStatus.OPT_OUT,
        },
    )


@require_safe
def contact_detail(request: HttpRequest, contact_id: int) -> HttpResponse:
    denied = _require_list(request)
    if denied is not None:
        return denied
    contact = get_object_or_404(contacts_visible(request.user), pk=contact_id)
    can_change = has_capability(request.user, "manage_settings")
    return render(
        request,
        "desk/contacts/detail.html",
        {
            "contact": contact,
            "cpf": contact_cpf_get(contact),
            "identities": contact.identities.select_related("channel").order_by("id"),
            "teams": [
                access.team
                for access in ContactTeamAccess.objects.filter(contact=contact)
                .select_related("team")
                .order_by("team__name")
            ],
            "consents": contact_consents_all_channels(contact),
            "history": consent_history(contact) if can_change else [],
            "can_change_consent": can_change,
            "status_choices": ConsentStatus.choices,
            "opt_in": ConsentStatus.OPT_IN,
            "opt_out": ConsentStatus.OPT_OUT,
        },
    )


def _safe_next(request: HttpRequest, fallback: str) -> str:
    target = request.POST.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return fallback


@admin_only
@require_POST
def contact_consent(request: HttpRequest, contact_id: int) -> HttpResponse:
    """6.5.40: an administrator records the contact's opt-in or opt-out on one channel."""
    contact = get_object_or_404(contacts_visible(request.user), pk=contact_id)
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
        messages.success(
            request,
            _("Consentimento registrado: %(status)s em %(channel)s.")
            % {
                "status": ConsentStatus(form.cleaned_data["status"]).label,
                "channel": form.cleaned_data["channel"].name,
            },
        )
    else:
        messages.error(request, _("Escolha o canal e a situação do consentimento."))
    return redirect(
        _safe_next(request, reverse("agent:contact_detail", kwargs={"contact_id": contact.pk}))
    )


def _consent_text(row: Any) -> str:
    return "; ".join(
        f"{consent.channel.name}: "
        + (ConsentStatus(consent.status).label if consent.status else _("não informado"))
        for consent in row.consents
    )


@require_safe
def contact_export(request: HttpRequest, fmt: str) -> HttpResponse:
    """6.5.38: the filtered list as CSV or XLSX, masked as on screen, and audited."""
    if not request.user.is_authenticated:
        return redirect_to_login(request.get_full_path())
    if not may_export_contacts(request.user):
        raise PermissionDenied
    if fmt not in EXPORT_FORMATS:
        raise Http404
    form = _filter_form(request)
    filters = form.filters()
    rows = contact_rows(contact_list(user=request.user, **filters))
    masker = masker_for(request.user)
    header = [
        _("id"),
        _("nome"),
        _("telefone"),
        _("e-mail"),
        _("CPF"),
        _("consentimento por canal"),
        _("equipes exclusivas"),
        _("cadastrado em"),
    ]
    table = [
        [
            row.contact.pk,
            masker.mask(row.contact.name),
            masker.mask(row.contact.phone),
            masker.mask(row.contact.email),
            masker.mask(row.cpf),
            _consent_text(row),
            ", ".join(team.name for team in row.teams),
            row.contact.created_at,
        ]
        for row in rows
    ]
    audit_record(
        actor=Actor.from_request(request),
        action="contact.export",
        object_type="desk.contact",
        object_repr=_("lista de contatos"),
        after={
            "format": fmt,
            "rows": len(table),
            # Whether a search was typed, never what: it may be a phone number.
            "searched": bool(filters["query"]),
            "channel_id": filters["channel"].pk if filters["channel"] else None,
            "team_id": filters["team"].pk if filters["team"] else None,
            "masked": masker.enabled,
        },
    )
    stamp = timezone.localtime().strftime("%Y%m%d-%H%M")
    return export_response(fmt=fmt, filename=f"contatos-{stamp}", header=header, rows=table)


# --- import -----------------------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def contact_import_upload_view(request: HttpRequest) -> HttpResponse:
    form = ImportUploadForm(request.POST or None, request.FILES or None)
    if request.method == "POST" and form.is_valid():
        upload = form.cleaned_data["file"]
        message = size_error(upload.size)
        if message is not None:
            # Refused before reading the whole file into memory.
            form.add_error("file", message)
        else:
            try:
                job = contact_import_upload(
                    actor=Actor.from_request(request),
                    file_name=upload.name,
                    content=upload.read(),
                )
            except ImportRejected as error:
                form.add_error("file", error.message)
            else:
                return redirect("agent:contact_import_mapping", import_id=job.pk)
    return render(
        request,
        "desk/contacts/import_upload.html",
        {"form": form, "imports": ContactImport.objects.select_related("team")[:RECENT_IMPORTS]},
        status=400 if form.errors else 200,
    )


def _preview_value(row: ParsedRow, code: str) -> str:
    if code == ImportField.CONSENT:
        return str(ConsentStatus(row.consent).label) if row.consent else ""
    return str(getattr(row, code))


@admin_only
@require_http_methods(["GET", "POST"])
def contact_import_mapping(request: HttpRequest, import_id: int) -> HttpResponse:
    """6.5.39: the admin says which column is which field, previews, then imports."""
    job = get_object_or_404(ContactImport, pk=import_id)
    if job.status != ImportStatus.UPLOADED:
        return redirect("agent:contact_import_detail", import_id=job.pk)
    form = ImportMappingForm(request.POST or None, job=job)
    if request.method == "POST" and form.is_valid():
        arguments = {
            "actor": Actor.from_request(request),
            "job": job,
            "mapping": form.mapping(),
            "team": form.cleaned_data["team"],
            "consent_channel": form.cleaned_data["consent_channel"],
        }
        try:
            if request.POST.get("action") == "import":
                job = contact_import_start(**arguments)
                return redirect("agent:contact_import_detail", import_id=job.pk)
            contact_import_map(**arguments)
        except ImportRejected as error:
            field = error.field if error.field in form.fields else None
            form.add_error(field, error.message)
        else:
            return redirect("agent:contact_import_mapping", import_id=job.pk)
    mapped = set((job.mapping or {}).values())
    preview_fields = [(code, label) for code, label in ImportField.CHOICES if code in mapped]
    preview = [
        {
            "number": row.number,
            "values": [_preview_value(row, code) for code, _label in preview_fields],
            "errors": row.errors,
        }
        for row in (contact_import_preview(job) if mapped else [])
    ]
    return render(
        request,
        "desk/contacts/import_mapping.html",
        {
            "job": job,
            "form": form,
            "columns": list(zip(form.columns(), column_samples(job), strict=True)),
            "preview": preview,
            "preview_fields": preview_fields,
        },
        status=400 if form.errors else 200,
    )


@admin_only
@require_safe
def contact_import_detail(request: HttpRequest, import_id: int) -> HttpResponse:
    """Progress while the worker imports, then the counts and each rejected row."""
    job = get_object_or_404(ContactImport.objects.select_related("team"), pk=import_id)
    template = (
        "desk/contacts/_import_progress.html"
        if request.GET.get("parte") == "progresso"
        else "desk/contacts/import_detail.html"
    )
    return render(request, template, {"job": job})

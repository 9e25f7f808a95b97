"""Privacy API (mounted at /api/privacidade): a contact's personal data (masked for users
without view_sensitive_data), consent, CPF, and the LGPD requests."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.core.exceptions import ValidationError
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from channels.models import Channel
from core.api import ErrorOut, require_capability
from core.permissions import has_capability
from desk.models import Contact
from privacy.models import ConsentMethod, ConsentStatus
from privacy.services import (
    consent_history,
    consent_set,
    contact_cpf_get,
    contact_cpf_set,
    contact_find_by_cpf,
)
from privacy.services.subject_requests import contact_anonymize, contact_export
from security.actors import Actor
from security.masking import MaskedSchema

router = Router(tags=["privacidade"])


def _actor(request: HttpRequest) -> Actor:
    return Actor.from_request(request, via="api")


def _require_panel(request: HttpRequest) -> None:
    if not (
        has_capability(request.user, "serve") or has_capability(request.user, "manage_settings")
    ):
        raise HttpError(403, _("Seu papel não permite esta operação."))


class PersonalDataOut(MaskedSchema):
    masked_fields = ("phone", "email", "cpf")

    id: int
    name: str
    phone: str
    email: str
    cpf: str = Field(
        description="Somente dígitos; mascarado para quem não pode ver dados pessoais."
    )


class ConsentEventOut(Schema):
    channel_id: int
    status: str
    method: str
    actor_label: str
    keyword: str
    note: str
    occurred_at: datetime


class ConsentIn(Schema):
    channel_id: int
    status: ConsentStatus
    method: ConsentMethod = ConsentMethod.API
    note: str = Field("", max_length=500)


class CpfIn(Schema):
    cpf: str = Field(max_length=20)


class AnonymizedOut(Schema):
    contact_id: int
    messages_cleared: int
    media_deleted: int


def _personal(contact: Contact) -> dict[str, Any]:
    return {
        "id": contact.pk,
        "name": contact.name,
        "phone": contact.phone,
        "email": contact.email,
        "cpf": contact_cpf_get(contact),
    }


@router.get("/contatos/{contact_id}", response={200: PersonalDataOut, 404: ErrorOut})
def personal_data_get(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    _require_panel(request)
    return _personal(get_object_or_404(Contact, pk=contact_id))


@router.get("/contatos-por-cpf", response={200: PersonalDataOut, 400: ErrorOut, 404: ErrorOut})
def personal_data_by_cpf(request: HttpRequest, cpf: str) -> dict[str, Any]:
    """Exact lookup by CPF through the keyed hash (6.5.23.12)."""
    require_capability(request, "view_sensitive_data")
    try:
        contact = contact_find_by_cpf(cpf)
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from error
    if contact is None:
        raise HttpError(404, _("Nenhum contato com este CPF."))
    return _personal(contact)


@router.put("/contatos/{contact_id}/cpf", response={200: PersonalDataOut, 400: ErrorOut})
def cpf_put(request: HttpRequest, contact_id: int, payload: CpfIn) -> dict[str, Any]:
    require_capability(request, "manage_settings")
    contact = get_object_or_404(Contact, pk=contact_id)
    try:
        contact_cpf_set(actor=_actor(request), contact=contact, cpf=payload.cpf)
    except ValidationError as error:
        raise HttpError(400, " ".join(error.messages)) from error
    return _personal(contact)


@router.get("/contatos/{contact_id}/consentimentos", response=list[ConsentEventOut])
def consent_list(request: HttpRequest, contact_id: int) -> list[Any]:
    _require_panel(request)
    return consent_history(get_object_or_404(Contact, pk=contact_id))


@router.post("/contatos/{contact_id}/consentimentos", response={201: ConsentEventOut})
def consent_post(request: HttpRequest, contact_id: int, payload: ConsentIn) -> Status[Any]:
    require_capability(request, "manage_settings")
    contact = get_object_or_404(Contact, pk=contact_id)
    channel = get_object_or_404(Channel, pk=payload.channel_id)
    event = consent_set(
        actor=_actor(request),
        contact=contact,
        channel=channel,
        status=payload.status,
        method=payload.method,
        note=payload.note,
    )
    return Status(201, event)


@router.get("/contatos/{contact_id}/exportacao")
def export_get(request: HttpRequest, contact_id: int) -> dict[str, Any]:
    require_capability(request, "manage_settings")
    return contact_export(actor=_actor(request), contact=get_object_or_404(Contact, pk=contact_id))


@router.post("/contatos/{contact_id}/anonimizacao", response=AnonymizedOut)
def anonymize_post(request: HttpRequest, contact_id: int) -> dict[str, int]:
    require_capability(request, "manage_settings")
    record = contact_anonymize(
        actor=_actor(request), contact=get_object_or_404(Contact, pk=contact_id)
    )
    return {
        "contact_id": contact_id,
        "messages_cleared": record.messages_cleared,
        "media_deleted": record.media_deleted,
    }

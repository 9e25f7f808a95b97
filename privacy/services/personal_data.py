"""The contact's CPF, encrypted at rest and found through its keyed hash (6.5.23.12)."""

from __future__ import annotations

from django.db import transaction

from core.validators import normalize_cpf
from desk.models import Contact
from privacy.models import CPF_INDEX, ContactPersonalData
from security.actors import Actor
from security.audit import audit_record


def contact_cpf_get(contact: Contact) -> str:
    data = ContactPersonalData.objects.filter(contact=contact).first()
    return data.cpf if data is not None else ""


def contact_cpf_set(*, actor: Actor, contact: Contact, cpf: str) -> ContactPersonalData:
    """Stores the CPF (validated, digits only) encrypted, with its blind index. The audit
    entry says that the CPF changed, never what it is."""
    digits = normalize_cpf(cpf)
    with transaction.atomic():
        data, _created = ContactPersonalData.objects.select_for_update().get_or_create(
            contact=contact
        )
        had_cpf = bool(data.cpf)
        data.cpf = digits
        data.cpf_index = CPF_INDEX.digest(digits)
        data.save()
        audit_record(
            actor=actor,
            action="privacy.cpf.set",
            target=contact,
            object_repr=f"contato #{contact.pk}",
            before={"cpf": "***" if had_cpf else ""},
            after={"cpf": "***"},
        )
    return data


def contact_find_by_cpf(cpf: str) -> Contact | None:
    """Exact lookup through the keyed hash; no row is decrypted to search."""
    digits = normalize_cpf(cpf)
    data = (
        ContactPersonalData.objects.select_related("contact")
        .filter(cpf_index=CPF_INDEX.digest(digits))
        .first()
    )
    return data.contact if data is not None else None

"""Teams and contacts as people and external systems manage them (API, screens).

The pipeline creates contacts on its own (`contacts.identity_for_inbound`); here they are
created and corrected by hand. Audit entries name the fields that changed, never their values:
a contact's phone or e-mail is personal data and has no business in the audit trail.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from core.validators import normalize_phone
from desk.errors import DeskError
from desk.models import Contact, Team
from security.actors import Actor
from security.audit import audit_record

MAX_NAME_LENGTH = 200


def team_update(*, actor: Actor, team: Team, name: str | None = None) -> Team:
    team = Team.objects.get(pk=team.pk)
    before = {"name": team.name}
    if name is not None:
        name = name.strip()
        if not name:
            raise DeskError(_("Informe o nome da equipe."), code="team_name_required", field="name")
        team.name = name[:120]
    if {"name": team.name} == before:
        return team
    try:
        with transaction.atomic():
            team.save(update_fields=["name"])
            audit_record(
                actor=actor,
                action="team.update",
                target=team,
                before=before,
                after={"name": team.name},
            )
    except IntegrityError as error:
        raise DeskError(
            _("Já existe uma equipe com este nome."), code="team_name_taken", field="name"
        ) from error
    return team


def _clean_name(name: str) -> str:
    name = (name or "").strip()
    if not name:
        raise DeskError(_("Informe o nome do contato."), code="contact_name_required", field="name")
    return name[:MAX_NAME_LENGTH]


def _clean_phone(phone: str) -> str:
    if not (phone or "").strip():
        return ""
    try:
        return normalize_phone(phone)
    except ValidationError as error:
        raise DeskError(
            str(error.messages[0]), code="contact_phone_invalid", field="phone"
        ) from error


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    if not email:
        return ""
    try:
        validate_email(email)
    except ValidationError as error:
        raise DeskError(
            _("Informe um e-mail válido."), code="contact_email_invalid", field="email"
        ) from error
    return email


def contact_create(*, actor: Actor, name: str, phone: str = "", email: str = "") -> Contact:
    contact = Contact(
        name=_clean_name(name),
        phone=_clean_phone(phone),
        email=_clean_email(email),
        created_at=timezone.now(),
    )
    with transaction.atomic():
        contact.save()
        audit_record(
            actor=actor,
            action="contact.create",
            target=contact,
            object_repr=f"#{contact.pk}",
            after={"fields": [key for key in ("name", "phone", "email") if getattr(contact, key)]},
        )
    return contact


def contact_update(
    *,
    actor: Actor,
    contact: Contact,
    name: str | None = None,
    phone: str | None = None,
    email: str | None = None,
) -> Contact:
    contact = Contact.objects.get(pk=contact.pk)
    changes: dict[str, str] = {}
    if name is not None:
        changes["name"] = _clean_name(name)
    if phone is not None:
        changes["phone"] = _clean_phone(phone)
    if email is not None:
        changes["email"] = _clean_email(email)
    changed = [key for key, value in changes.items() if getattr(contact, key) != value]
    if not changed:
        return contact
    with transaction.atomic():
        for key in changed:
            setattr(contact, key, changes[key])
        contact.save(update_fields=[*changed, "updated_at"])
        audit_record(
            actor=actor,
            action="contact.update",
            target=contact,
            object_repr=f"#{contact.pk}",
            after={"fields": changed},
        )
    return contact

"""Users provisioned by the directory over SCIM (6.5.23.2): create, replace, patch and
deprovision, each change audited with via="scim".

POST, PUT and PATCH share one path: the request becomes a list of operations applied to the
user's current SCIM state, which is then validated and saved.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from security.audit import audit_record
from sso.errors import ScimError
from sso.models import IdentityProfile, ProvisioningSettings
from sso.scim.patch import (
    EMAIL_PATH,
    Operation,
    operations_parse,
    resource_operations,
    scim_bool,
    scim_string,
)
from sso.services.directory import profile_for, role_assign


@dataclass
class UserState:
    user_name: str = ""
    external_id: str = ""
    given_name: str = ""
    family_name: str = ""
    email: str = ""
    active: bool = True
    # Attributes kept as sent, keyed by case-folded path (displayName, title, department…).
    extras: dict[str, Any] = field(default_factory=dict)

    def full_name(self) -> str:
        display = self.extras.get("displayname")
        formatted = self.extras.get("name.formatted")
        given_family = " ".join(p for p in (self.given_name, self.family_name) if p)
        # A PATCH of familyName alone leaves the `name.formatted` sent at creation stale.
        for candidate in (display, given_family, formatted, self.user_name):
            if isinstance(candidate, str) and candidate.strip():
                return candidate.strip()[:150]
        return ""


def provisioning_settings_get() -> ProvisioningSettings:
    settings, _created = ProvisioningSettings.objects.get_or_create(pk=1)
    return settings


def _state_of(user: User) -> UserState:
    profile = IdentityProfile.objects.filter(user=user).first()
    if profile is None:
        return UserState(
            user_name=user.email,
            email=user.email,
            active=user.is_active,
            extras={"displayname": user.full_name},
        )
    return UserState(
        user_name=profile.scim_user_name or user.email,
        external_id=profile.scim_external_id,
        given_name=profile.given_name,
        family_name=profile.family_name,
        email=user.email,
        active=user.is_active,
        extras=dict(profile.scim_attributes or {}),
    )


def _email_pick(value: Any) -> str:
    """From an `emails` list: the primary one, else the work one, else the first."""
    if not isinstance(value, list):
        raise ScimError(400, _("“emails” deve ser uma lista."), scim_type="invalidValue")
    entries = [item for item in value if isinstance(item, dict) and item.get("value")]
    for test in (
        lambda e: e.get("primary") in (True, "true", "True"),
        lambda e: str(e.get("type", "")).casefold() == "work",
        lambda e: True,
    ):
        for entry in entries:
            if test(entry):
                return scim_string(entry["value"], attribute="emails")
    return ""


def _apply(state: UserState, operations: list[Operation]) -> None:
    for operation in operations:
        path, value = operation.path, operation.value
        remove = operation.op == "remove"
        if path in {"username", "active"} and remove:
            raise ScimError(
                400,
                _("O atributo %(path)s é obrigatório.") % {"path": path},
                scim_type="invalidValue",
            )
        if path == "username":
            state.user_name = scim_string(value, attribute="userName")
        elif path == "active":
            state.active = scim_bool(value)
        elif path == "externalid":
            state.external_id = "" if remove else scim_string(value, attribute="externalId")
        elif path == "name.givenname":
            state.given_name = "" if remove else scim_string(value, attribute="givenName")
        elif path == "name.familyname":
            state.family_name = "" if remove else scim_string(value, attribute="familyName")
        elif path == "name" and isinstance(value, dict):
            _apply(
                state,
                [
                    Operation(op=operation.op, path=f"name.{key}".casefold(), value=sub)
                    for key, sub in value.items()
                ],
            )
        elif path == "emails":
            state.email = "" if remove else _email_pick(value)
        elif (match := EMAIL_PATH.match(path)) and match["type"] == "work":
            state.email = "" if remove else scim_string(value, attribute="emails")
        elif remove:
            state.extras.pop(path, None)
        else:
            state.extras[path] = value


def _snapshot(user: User, state: UserState) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": user.is_active,
        "role": user.role,
        "user_name": state.user_name,
        "external_id": state.external_id,
    }


def _validated_email(state: UserState) -> str:
    for candidate in (state.email, state.user_name):
        try:
            validate_email(candidate)
        except ValidationError:
            continue
        return candidate.lower()
    raise ScimError(
        400,
        _('Informe um e-mail válido (emails[type eq "work"] ou userName).'),
        scim_type="invalidValue",
    )


def _save(*, actor: Actor, user: User | None, state: UserState, action: str) -> User:
    if not state.user_name:
        raise ScimError(400, _("userName é obrigatório."), scim_type="invalidValue")
    email = _validated_email(state)
    others = User.objects.exclude(pk=user.pk) if user else User.objects.all()
    if others.filter(identity_profile__scim_user_name__iexact=state.user_name).exists():
        raise ScimError(409, _("Já existe um usuário com este userName."), scim_type="uniqueness")
    if others.filter(email__iexact=email).exists():
        raise ScimError(409, _("Já existe um usuário com este e-mail."), scim_type="uniqueness")
    with transaction.atomic():
        if user is None:
            before = None
            user = User.objects.create_user(
                email=email, full_name=state.full_name(), is_active=state.active
            )
            role_assign(user, Role(provisioning_settings_get().default_role))
        else:
            before = _snapshot(user, _state_of(user))
            user.email = email
            user.full_name = state.full_name()
            user.is_active = state.active
            user.save(update_fields=["email", "full_name", "is_active"])
        profile = profile_for(user)
        profile.scim_managed = True
        profile.scim_deleted_at = None
        profile.scim_user_name = state.user_name
        profile.scim_external_id = state.external_id
        profile.given_name = state.given_name[:150]
        profile.family_name = state.family_name[:150]
        profile.scim_attributes = state.extras
        profile.save()
        after = _snapshot(user, state)
        if after != before:
            audit_record(actor=actor, action=action, target=user, before=before, after=after)
    return user


def scim_user_create(*, actor: Actor, resource: Any) -> User:
    state = UserState()
    _apply(state, resource_operations(resource))
    # A person deprovisioned earlier and assigned again comes back as the same user.
    deleted = (
        User.objects.filter(identity_profile__scim_deleted_at__isnull=False)
        .filter(
            Q(identity_profile__scim_user_name__iexact=state.user_name)
            | Q(email__iexact=_validated_email(state))
        )
        .first()
    )
    if deleted is not None:
        return _save(actor=actor, user=deleted, state=state, action="scim.user_restore")
    return _save(actor=actor, user=None, state=state, action="scim.user_create")


def scim_user_replace(*, actor: Actor, user: User, resource: Any) -> User:
    state = UserState()
    _apply(state, resource_operations(resource))
    return _save(actor=actor, user=user, state=state, action="scim.user_replace")


def scim_user_patch(*, actor: Actor, user: User, body: Any) -> User:
    state = _state_of(user)
    _apply(state, operations_parse(body))
    return _save(actor=actor, user=user, state=state, action="scim.user_update")


def scim_user_delete(*, actor: Actor, user: User) -> None:
    """Deprovisioning deactivates: conversations, audit entries and reports keep their person.
    The user then no longer exists for SCIM (GET answers 404)."""
    with transaction.atomic():
        profile = profile_for(user)
        before = {"is_active": user.is_active, "scim_deleted": profile.scim_deleted_at is not None}
        user.is_active = False
        user.save(update_fields=["is_active"])
        profile.scim_managed = True
        profile.scim_deleted_at = timezone.now()
        profile.save(update_fields=["scim_managed", "scim_deleted_at", "updated_at"])
        user.scim_groups.clear()
        audit_record(
            actor=actor,
            action="scim.user_delete",
            target=user,
            before=before,
            after={"is_active": False, "scim_deleted": True},
        )

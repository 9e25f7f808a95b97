"""Per-user grants of capabilities beyond the role: the ACL of the admin screens (6.5.57) and
who may see personal data unmasked (6.5.23.13)."""

from __future__ import annotations

from django.contrib.auth.models import Permission
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import CAPABILITIES, ROLE_PERMISSIONS
from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError

CAPABILITY_CODES = tuple(code for code, _label in CAPABILITIES)


def role_capabilities(user: User) -> set[str]:
    role = user.role
    return set(ROLE_PERMISSIONS.get(role, set())) if role else set()


def granted_capabilities(user: User) -> set[str]:
    """Capabilities given to this user directly, on top of the role's."""
    return set(
        user.user_permissions.filter(
            content_type__app_label="accounts", codename__in=CAPABILITY_CODES
        ).values_list("codename", flat=True)
    )


def user_capabilities_set(*, actor: Actor, user: User, codes: set[str]) -> set[str]:
    """Makes the user's direct grants exactly `codes` (capabilities of the role need none)."""
    unknown = set(codes) - set(CAPABILITY_CODES)
    if unknown:
        raise SecurityError(
            _("Permissão desconhecida: %(code)s.") % {"code": sorted(unknown)[0]},
            field="capabilities",
        )
    if actor.user_id == user.pk:
        raise SecurityError(_("Você não pode mudar as próprias permissões."))
    wanted = set(codes) - role_capabilities(user)
    with transaction.atomic():
        before = granted_capabilities(user)
        if before == wanted:
            return wanted
        permissions = Permission.objects.filter(
            content_type__app_label="accounts", codename__in=CAPABILITY_CODES
        )
        user.user_permissions.remove(*[p for p in permissions if p.codename not in wanted])
        user.user_permissions.add(*[p for p in permissions if p.codename in wanted])
        audit_record(
            actor=actor,
            action="user.capabilities_update",
            target=user,
            before={"capabilities": sorted(before)},
            after={"capabilities": sorted(wanted)},
        )
    return wanted

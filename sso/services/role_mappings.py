"""Directory groups decide roles (6.5.23.2): a table `group display name → role` kept by the
tenant admin, applied to every user the directory manages whenever their groups or the table
change. A managed user in no mapped group gets the tenant's default role."""

from __future__ import annotations

from collections.abc import Iterable

from django.db import transaction
from django.db.models.functions import Lower
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from security.audit import audit_record
from sso.errors import SsoError
from sso.models import GroupRoleMapping, IdentityProfile, ScimGroup
from sso.services.directory import role_assign, role_strongest
from sso.services.scim_users import provisioning_settings_get


def _role_for(user: User, default_role: Role) -> Role:
    names = [name.casefold() for name in user.scim_groups.values_list("display_name", flat=True)]
    roles = set(
        GroupRoleMapping.objects.annotate(name=Lower("group_name"))
        .filter(name__in=names)
        .values_list("role", flat=True)
    )
    return role_strongest(roles) or default_role


def _last_active_admin(user: User) -> bool:
    admins = User.objects.filter(groups__name=Role.ADMIN.value, is_active=True)
    return user.role == Role.ADMIN.value and not admins.exclude(pk=user.pk).exists()


def users_role_sync(*, actor: Actor, users: Iterable[User]) -> None:
    """Recomputes the role of each directory-managed user among `users` (same transaction)."""
    default_role = Role(provisioning_settings_get().default_role)
    managed = set(
        IdentityProfile.objects.filter(
            user__in=[user.pk for user in users], scim_managed=True
        ).values_list("user_id", flat=True)
    )
    for user in users:
        if user.pk not in managed:
            continue
        role = _role_for(user, default_role)
        before = user.role
        if before == role.value:
            continue
        if role != Role.ADMIN and _last_active_admin(user):
            # Taking the role from the only administrator would lock the tenant out of its
            # own settings; keep it and say so in the trail.
            audit_record(
                actor=actor,
                action="scim.role_sync_kept",
                target=user,
                before={"role": before},
                after={"role": before, "wanted": role.value},
            )
            continue
        role_assign(user, role)
        audit_record(
            actor=actor,
            action="scim.role_sync",
            target=user,
            before={"role": before},
            after={"role": role.value},
        )


def _members_of(group_name: str) -> list[User]:
    return list(User.objects.filter(scim_groups__display_name__iexact=group_name).distinct())


def group_role_mapping_create(*, actor: Actor, group_name: str, role: str) -> GroupRoleMapping:
    group_name = (group_name or "").strip()
    if not group_name:
        raise SsoError(_("Informe o nome do grupo do diretório."), field="group_name")
    if role not in Role.values:
        raise SsoError(_("Papel desconhecido."), field="role")
    if GroupRoleMapping.objects.filter(group_name__iexact=group_name).exists():
        raise SsoError(_("Este grupo já está mapeado."), field="group_name")
    with transaction.atomic():
        mapping = GroupRoleMapping.objects.create(group_name=group_name, role=role)
        audit_record(
            actor=actor,
            action="sso.group_mapping_create",
            target=mapping,
            after={"group_name": group_name, "role": role},
        )
        users_role_sync(actor=actor, users=_members_of(group_name))
    return mapping


def group_role_mapping_delete(*, actor: Actor, mapping: GroupRoleMapping) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="sso.group_mapping_delete",
            target=mapping,
            before={"group_name": mapping.group_name, "role": mapping.role},
        )
        group_name = mapping.group_name
        mapping.delete()
        users_role_sync(actor=actor, users=_members_of(group_name))


def provisioning_default_role_set(*, actor: Actor, role: str) -> None:
    if role not in Role.values:
        raise SsoError(_("Papel desconhecido."), field="default_role")
    settings = provisioning_settings_get()
    if settings.default_role == role:
        return
    with transaction.atomic():
        before = {"default_role": settings.default_role}
        settings.default_role = role
        settings.save(update_fields=["default_role", "updated_at"])
        audit_record(
            actor=actor,
            action="sso.provisioning_settings",
            target=settings,
            before=before,
            after={"default_role": role},
        )
        managed = User.objects.filter(
            identity_profile__scim_managed=True, identity_profile__scim_deleted_at__isnull=True
        )
        users_role_sync(actor=actor, users=list(managed))


def groups_members(groups: Iterable[ScimGroup]) -> list[User]:
    return list(User.objects.filter(scim_groups__in=list(groups)).distinct())

"""Groups provisioned by the directory over SCIM: create, replace, patch members, delete.
Membership changes recompute the members' roles (GroupRoleMapping), in the same transaction,
so a person added to "Supervisores" in Entra ID is a supervisor here on the next sync."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from security.actors import Actor
from security.audit import audit_record
from sso.errors import ScimError
from sso.models import ScimGroup
from sso.scim.patch import (
    MEMBER_PATH,
    Operation,
    operations_parse,
    resource_operations,
    scim_string,
)
from sso.services.role_mappings import users_role_sync


@dataclass
class GroupState:
    display_name: str = ""
    external_id: str = ""
    member_ids: set[int] = field(default_factory=set)


def _member_ids(value: Any, *, must_exist: bool = True) -> set[int]:
    """[{"value": "12"}, …] (Entra ID also sends "$ref": null) → user ids. Ids to add must
    exist here; ids to remove need not (the user may be gone already)."""
    if value is None:
        return set()
    items = value if isinstance(value, list) else [value]
    ids: set[int] = set()
    for item in items:
        raw = item.get("value") if isinstance(item, dict) else item
        try:
            ids.add(int(str(raw)))
        except ValueError as error:
            raise ScimError(
                400, _("Membro desconhecido: %(id)s.") % {"id": raw}, scim_type="invalidValue"
            ) from error
    if not must_exist:
        return ids
    found = set(
        User.objects.filter(pk__in=ids)
        .exclude(identity_profile__scim_deleted_at__isnull=False)
        .values_list("pk", flat=True)
    )
    if found != ids:
        missing = ", ".join(str(i) for i in sorted(ids - found))
        raise ScimError(
            400, _("Membro desconhecido: %(id)s.") % {"id": missing}, scim_type="invalidValue"
        )
    return found


def _apply(state: GroupState, operations: list[Operation]) -> None:
    for operation in operations:
        path, value, op = operation.path, operation.value, operation.op
        if path == "displayname":
            if op == "remove":
                raise ScimError(400, _("displayName é obrigatório."), scim_type="invalidValue")
            state.display_name = scim_string(value, attribute="displayName")
        elif path == "externalid":
            state.external_id = "" if op == "remove" else scim_string(value, attribute="externalId")
        elif path == "members":
            if op == "add":
                state.member_ids |= _member_ids(value)
            elif op == "replace":
                state.member_ids = _member_ids(value)
            elif value is None:
                state.member_ids = set()
            else:
                state.member_ids -= _member_ids(value, must_exist=False)
        elif (match := MEMBER_PATH.match(path)) and op == "remove":
            try:
                state.member_ids.discard(int(match["value"]))
            except ValueError:
                continue
        else:
            raise ScimError(
                400,
                _("Atributo de grupo não suportado: %(path)s.") % {"path": path},
                scim_type="invalidPath",
            )


def _state_of(group: ScimGroup) -> GroupState:
    return GroupState(
        display_name=group.display_name,
        external_id=group.external_id,
        member_ids=set(group.members.values_list("pk", flat=True)),
    )


def _save(*, actor: Actor, group: ScimGroup | None, state: GroupState, action: str) -> ScimGroup:
    if not state.display_name:
        raise ScimError(400, _("displayName é obrigatório."), scim_type="invalidValue")
    others = ScimGroup.objects.exclude(pk=group.pk) if group else ScimGroup.objects.all()
    if others.filter(display_name__iexact=state.display_name).exists():
        raise ScimError(409, _("Já existe um grupo com este displayName."), scim_type="uniqueness")
    before_state = _state_of(group) if group else GroupState()
    with transaction.atomic():
        if group is None:
            group = ScimGroup.objects.create(
                display_name=state.display_name[:300], external_id=state.external_id[:300]
            )
        else:
            group.display_name = state.display_name[:300]
            group.external_id = state.external_id[:300]
            group.save()
        added = state.member_ids - before_state.member_ids
        removed = before_state.member_ids - state.member_ids
        if added:
            group.members.add(*added)
        if removed:
            group.members.remove(*removed)
        before = (
            {"display_name": before_state.display_name, "external_id": before_state.external_id}
            if action != "scim.group_create"
            else None
        )
        after: dict[str, Any] = {
            "display_name": group.display_name,
            "external_id": group.external_id,
        }
        if added:
            after["members_added"] = sorted(added)
        if removed:
            after["members_removed"] = sorted(removed)
        if before is None or after != before:
            audit_record(actor=actor, action=action, target=group, before=before, after=after)
        renamed = before_state.display_name.casefold() != group.display_name.casefold()
        affected = state.member_ids | removed if renamed else added | removed
        if affected:
            users_role_sync(actor=actor, users=list(User.objects.filter(pk__in=affected)))
    return group


def scim_group_create(*, actor: Actor, resource: Any) -> ScimGroup:
    state = GroupState()
    _apply(state, resource_operations(resource))
    return _save(actor=actor, group=None, state=state, action="scim.group_create")


def scim_group_replace(*, actor: Actor, group: ScimGroup, resource: Any) -> ScimGroup:
    state = GroupState()
    _apply(state, resource_operations(resource))
    return _save(actor=actor, group=group, state=state, action="scim.group_replace")


def scim_group_patch(*, actor: Actor, group: ScimGroup, body: Any) -> ScimGroup:
    state = _state_of(group)
    _apply(state, operations_parse(body))
    return _save(actor=actor, group=group, state=state, action="scim.group_update")


def scim_group_delete(*, actor: Actor, group: ScimGroup) -> None:
    with transaction.atomic():
        members = list(group.members.all())
        audit_record(
            actor=actor,
            action="scim.group_delete",
            target=group,
            before={
                "display_name": group.display_name,
                "external_id": group.external_id,
                "members": sorted(user.pk for user in members),
            },
        )
        group.delete()
        users_role_sync(actor=actor, users=members)

"""Reads for the SSO screens and the SCIM endpoint."""

from __future__ import annotations

import uuid

from django.db.models import Q, QuerySet
from django.utils.translation import gettext as _

from accounts.models import User
from sso.errors import ScimError
from sso.models import GroupRoleMapping, IdentityProvider, ScimGroup, ScimToken
from sso.scim.filters import Condition

USER_FILTERS = {
    "username",
    "externalid",
    "id",
    'emails[type eq "work"].value',
    "emails.value",
    "emails",
}
GROUP_FILTERS = {"displayname", "externalid", "id", "members", "members.value"}


def _int_or_none(value: object) -> int | None:
    try:
        return int(str(value))
    except ValueError:
        return None


def scim_users(conditions: list[Condition]) -> QuerySet[User]:
    users = (
        User.objects.select_related("identity_profile")
        .exclude(identity_profile__scim_deleted_at__isnull=False)
        .order_by("pk")
    )
    for condition in conditions:
        value = "" if condition.value is None else str(condition.value)
        if condition.attribute == "username":
            # A user the directory has not claimed yet is found by e-mail, so Entra ID matches
            # (and from then on manages) people who already had an account here.
            unclaimed = Q(identity_profile__isnull=True) | Q(identity_profile__scim_user_name="")
            users = users.filter(
                Q(identity_profile__scim_user_name__iexact=value)
                | (unclaimed & Q(email__iexact=value))
            )
        elif condition.attribute == "externalid":
            users = users.filter(identity_profile__scim_external_id=value)
        elif condition.attribute == "id":
            user_pk = _int_or_none(value)
            users = users.filter(pk=user_pk) if user_pk is not None else users.none()
        else:
            users = users.filter(email__iexact=value)
    return users


def scim_user_get(user_id: str) -> User:
    user_pk = _int_or_none(user_id)
    user = scim_users([]).filter(pk=user_pk).first() if user_pk is not None else None
    if user is None:
        raise ScimError(404, _("Usuário %(id)s não encontrado.") % {"id": user_id})
    return user


def scim_groups(conditions: list[Condition]) -> QuerySet[ScimGroup]:
    groups = ScimGroup.objects.order_by("display_name", "pk")
    for condition in conditions:
        value = "" if condition.value is None else str(condition.value)
        if condition.attribute == "displayname":
            groups = groups.filter(display_name__iexact=value)
        elif condition.attribute == "externalid":
            groups = groups.filter(external_id=value)
        elif condition.attribute == "id":
            group_pk = _uuid_or_none(value)
            groups = groups.filter(pk=group_pk) if group_pk else groups.none()
        else:
            member_pk = _int_or_none(value)
            groups = (
                groups.filter(members__pk=member_pk) if member_pk is not None else groups.none()
            )
    return groups.distinct()


def _uuid_or_none(value: str) -> str | None:
    try:
        return str(uuid.UUID(value))
    except ValueError:
        return None


def scim_group_get(group_id: str) -> ScimGroup:
    group_pk = _uuid_or_none(group_id)
    group = ScimGroup.objects.filter(pk=group_pk).first() if group_pk else None
    if group is None:
        raise ScimError(404, _("Grupo %(id)s não encontrado.") % {"id": group_id})
    return group


def identity_providers_all() -> dict[str, IdentityProvider]:
    return {provider.kind: provider for provider in IdentityProvider.objects.all()}


def scim_token_list() -> QuerySet[ScimToken]:
    return ScimToken.objects.filter(revoked_at__isnull=True).select_related("created_by")


def group_role_mapping_list() -> QuerySet[GroupRoleMapping]:
    return GroupRoleMapping.objects.order_by("group_name")


def scim_group_list() -> QuerySet[ScimGroup]:
    return ScimGroup.objects.order_by("display_name")

"""Users and groups as SCIM resources (RFC 7643), with explicit attributes only."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from accounts.models import User
from sso.models import IdentityProfile, ScimGroup

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
LIST_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"


def scim_time(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def user_resource(user: User, *, base_url: str) -> dict[str, Any]:
    profile: IdentityProfile | None = getattr(user, "identity_profile", None)
    user_name = (profile.scim_user_name if profile else None) or user.email
    name: dict[str, str] = {}
    if profile and profile.given_name:
        name["givenName"] = profile.given_name
    if profile and profile.family_name:
        name["familyName"] = profile.family_name
    if name:
        name["formatted"] = " ".join(
            p for p in (name.get("givenName"), name.get("familyName")) if p
        )
    resource: dict[str, Any] = {
        "schemas": [USER_SCHEMA],
        "id": str(user.pk),
        "userName": user_name,
        "displayName": user.full_name,
        "active": user.is_active,
        "emails": [{"value": user.email, "type": "work", "primary": True}],
        "meta": {
            "resourceType": "User",
            "created": scim_time(user.date_joined),
            "lastModified": scim_time(profile.updated_at if profile else user.date_joined),
            "location": f"{base_url}Users/{user.pk}",
        },
    }
    if profile and profile.scim_external_id:
        resource["externalId"] = profile.scim_external_id
    if name:
        resource["name"] = name
    return resource


def group_resource(group: ScimGroup, *, base_url: str, members: bool) -> dict[str, Any]:
    resource: dict[str, Any] = {
        "schemas": [GROUP_SCHEMA],
        "id": str(group.pk),
        "displayName": group.display_name,
        "meta": {
            "resourceType": "Group",
            "created": scim_time(group.created_at),
            "lastModified": scim_time(group.updated_at),
            "location": f"{base_url}Groups/{group.pk}",
        },
    }
    if group.external_id:
        resource["externalId"] = group.external_id
    if members:
        resource["members"] = [
            {"value": str(user.pk), "display": user.full_name, "$ref": f"{base_url}Users/{user.pk}"}
            for user in group.members.order_by("pk")
        ]
    return resource


def list_response(
    resources: list[dict[str, Any]], *, total: int, start_index: int
) -> dict[str, Any]:
    return {
        "schemas": [LIST_SCHEMA],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": len(resources),
        "Resources": resources,
    }


def error_body(status: int, detail: str, scim_type: str | None) -> dict[str, Any]:
    body: dict[str, Any] = {"schemas": [ERROR_SCHEMA], "status": str(status), "detail": detail}
    if scim_type:
        body["scimType"] = scim_type
    return body

"""SCIM Groups and the group → role table (6.5.23.2): when Entra ID adds a person to the group
mapped to "supervisor", they become a supervisor here; removed, they fall back to the default
role. Every change is audited with via="scim" (or "web" for the admin's table edits)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from sso.models import GroupRoleMapping, ScimGroup
from sso.services.role_mappings import group_role_mapping_create
from tenants.models import Tenant
from tests.sso.conftest import fixture_json

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.2")]

DOC_MEMBER = "f648f8d5ea4e4cd38e9c"
DOC_MEMBER_FLAG = "7f4bc1a3-285e-48ae-8202-5accb43efb0e"


def _provisioned_user(scim: Callable[..., Any], user_name: str) -> str:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": user_name,
        "active": True,
        "displayName": user_name.split("@")[0],
        "emails": [{"type": "work", "value": user_name, "primary": True}],
    }
    response = scim("POST", "Users", body)
    assert response.status_code == 201
    return str(response.json()["id"])


def _group(scim: Callable[..., Any], display_name: str) -> dict[str, Any]:
    body = fixture_json("entra_group_create.json")
    body["displayName"] = display_name
    response = scim("POST", "Groups", body)
    assert response.status_code == 201, response.content
    return response.json()


def _role(tenant: Tenant, user_id: str) -> str | None:
    with schema_context(tenant.schema_name):
        return User.objects.get(pk=int(user_id)).role


def _map(tenant: Tenant, group_name: str, role: Role) -> None:
    with schema_context(tenant.schema_name):
        group_role_mapping_create(
            actor=Actor.command("tests"), group_name=group_name, role=role.value
        )


@audits_route("tenant:scim:groups")
def test_create_group_from_entra_request_and_find_it_by_display_name(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    created = scim("POST", "Groups", fixture_json("entra_group_create.json"))
    assert created.status_code == 201
    body = created.json()
    assert (body["displayName"], body["externalId"], body["members"]) == (
        "displayName",
        "8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159",
        [],
    )

    listed = scim("GET", 'Groups?excludedAttributes=members&filter=displayName eq "displayName"')
    resources = listed.json()["Resources"]
    assert [(r["id"], "members" in r) for r in resources] == [(body["id"], False)]
    one = scim("GET", f"Groups/{body['id']}?excludedAttributes=members").json()
    assert "members" not in one
    with schema_context(tenant_alfa.schema_name):
        entry = AuditEntry.objects.get(action="scim.group_create")
    assert (entry.via, entry.object_id) == ("scim", body["id"])
    duplicate = scim("POST", "Groups", fixture_json("entra_group_create.json"))
    assert (duplicate.status_code, duplicate.json()["scimType"]) == (409, "uniqueness")


def test_membership_changes_from_entra_reach_roles(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    # Given the admin's table says "Supervisores" → supervisor, and a provisioned agent
    _map(tenant_alfa, "Supervisores", Role.SUPERVISOR)
    group = _group(scim, "Supervisores")
    member = _provisioned_user(scim, "paula@alfa.gov.br")
    assert _role(tenant_alfa, member) == Role.AGENT.value

    # When Entra ID adds them to the group (documented Add Members request)
    added = scim(
        "PATCH",
        f"Groups/{group['id']}",
        fixture_json("entra_group_add_members.json", {DOC_MEMBER: member}),
    )

    # Then they are a supervisor, and the group lists them
    assert (added.status_code, added.content) == (204, b"")
    assert _role(tenant_alfa, member) == Role.SUPERVISOR.value
    members = scim("GET", f"Groups/{group['id']}").json()["members"]
    assert [m["value"] for m in members] == [member]
    assert [
        g["id"]
        for g in scim(
            "GET", f'Groups?filter=id eq "{group["id"]}" and members eq "{member}"'
        ).json()["Resources"]
    ] == [group["id"]]

    # When Entra ID removes them (documented Remove Members request)
    removed = scim(
        "PATCH",
        f"Groups/{group['id']}",
        fixture_json("entra_group_remove_members.json", {DOC_MEMBER: member}),
    )

    # Then they fall back to the default role, and both changes are on record
    assert removed.status_code == 204
    assert _role(tenant_alfa, member) == Role.AGENT.value
    with schema_context(tenant_alfa.schema_name):
        syncs = list(
            AuditEntry.objects.filter(action="scim.role_sync", object_id=member)
            .order_by("id")
            .values_list("before", "after", "via")
        )
        updates = list(
            AuditEntry.objects.filter(action="scim.group_update")
            .order_by("id")
            .values_list("after", flat=True)
        )
    assert syncs == [
        ({"role": "atendente"}, {"role": "supervisor"}, "scim"),
        ({"role": "supervisor"}, {"role": "atendente"}, "scim"),
    ]
    assert [
        (u or {}).get("members_added") or (u or {}).get("members_removed") for u in updates
    ] == [
        [int(member)],
        [int(member)],
    ]


def test_member_removal_by_path_filter_and_strongest_role_wins(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    _map(tenant_alfa, "Supervisores", Role.SUPERVISOR)
    _map(tenant_alfa, "TI Prefeitura", Role.ADMIN)
    supervisors = _group(scim, "Supervisores")
    it = _group(scim, "TI Prefeitura")
    member = _provisioned_user(scim, "rui@alfa.gov.br")
    for group in (supervisors, it):
        scim(
            "PATCH",
            f"Groups/{group['id']}",
            fixture_json("entra_group_add_members.json", {DOC_MEMBER: member}),
        )
    assert _role(tenant_alfa, member) == Role.ADMIN.value

    response = scim(
        "PATCH",
        f"Groups/{it['id']}",
        fixture_json("entra_group_remove_member_path_flag.json", {DOC_MEMBER_FLAG: member}),
    )
    assert response.status_code == 204
    assert _role(tenant_alfa, member) == Role.SUPERVISOR.value


@audits_route("tenant:scim:group")
def test_renaming_or_deleting_a_group_recomputes_its_members_roles(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    _map(tenant_alfa, "1879db59-3bdf-4490-ad68-ab880a269474updatedDisplayName", Role.SUPERVISOR)
    group = _group(scim, "Sem papel")
    member = _provisioned_user(scim, "lia@alfa.gov.br")
    scim(
        "PATCH",
        f"Groups/{group['id']}",
        fixture_json("entra_group_add_members.json", {DOC_MEMBER: member}),
    )
    assert _role(tenant_alfa, member) == Role.AGENT.value

    renamed = scim(
        "PATCH", f"Groups/{group['id']}", fixture_json("entra_group_patch_displayname.json")
    )
    assert renamed.status_code == 204
    assert _role(tenant_alfa, member) == Role.SUPERVISOR.value

    deleted = scim("DELETE", f"Groups/{group['id']}")
    assert deleted.status_code == 204
    assert _role(tenant_alfa, member) == Role.AGENT.value
    assert scim("GET", f"Groups/{group['id']}").status_code == 404
    with schema_context(tenant_alfa.schema_name):
        entry = AuditEntry.objects.get(action="scim.group_delete")
    assert (entry.before or {})["members"] == [int(member)]


def test_adding_an_unknown_member_is_refused_and_changes_nothing(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    group = _group(scim, "Supervisores")
    response = scim("PATCH", f"Groups/{group['id']}", fixture_json("entra_group_add_members.json"))
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidValue"
    with schema_context(tenant_alfa.schema_name):
        assert ScimGroup.objects.get(pk=group["id"]).members.count() == 0


def test_last_administrator_keeps_the_role_when_the_directory_would_remove_it(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    # Given the tenant's only admin, now managed by the directory
    with schema_context(tenant_alfa.schema_name):
        admin = User.objects.get(email="admin@alfa.gov.br")
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "Admin alfa"}],
    }
    assert scim("PATCH", f"Users/{admin.pk}", patch).status_code == 200
    group = _group(scim, "Qualquer")

    # When a membership change would give them the default role
    scim(
        "PATCH",
        f"Groups/{group['id']}",
        fixture_json("entra_group_add_members.json", {DOC_MEMBER: str(admin.pk)}),
    )

    # Then they stay administrator, and the trail says why
    assert _role(tenant_alfa, str(admin.pk)) == Role.ADMIN.value
    with schema_context(tenant_alfa.schema_name):
        kept = AuditEntry.objects.get(action="scim.role_sync_kept")
    assert kept.after == {"role": "administrador", "wanted": "atendente"}


@audits_route(
    "tenant:sso:group_mapping_create",
    "tenant:sso:group_mapping_delete",
    "tenant:sso:default_role_set",
)
def test_admin_edits_the_mapping_on_the_screen_and_members_follow(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    # Given a provisioned member of "Central 156" with no mapping yet
    group = _group(scim, "Central 156")
    member = _provisioned_user(scim, "davi@alfa.gov.br")
    scim(
        "PATCH",
        f"Groups/{group['id']}",
        fixture_json("entra_group_add_members.json", {DOC_MEMBER: member}),
    )
    admin = make_user(tenant_alfa, Role.ADMIN)
    screen = client_for(tenant_alfa, admin)

    # When the admin maps the group to supervisor (name in another case)
    response = screen.post(
        "/sso/configuracao/scim/grupos/", {"group_name": "central 156", "role": "supervisor"}
    )

    # Then the member becomes a supervisor at once
    assert response.status_code == 302
    assert _role(tenant_alfa, member) == Role.SUPERVISOR.value
    page = screen.get("/sso/configuracao/scim/").content.decode()
    assert "central 156" in page
    assert "Central 156" in page

    # When the same group is mapped twice, the form says so
    again = screen.post(
        "/sso/configuracao/scim/grupos/", {"group_name": "CENTRAL 156", "role": "auditor"}
    )
    assert again.status_code == 400
    assert "Este grupo já está mapeado." in again.content.decode()

    # When the admin changes the default role and removes the mapping
    screen.post("/sso/configuracao/scim/papel-padrao/", {"default_role": "auditor"})
    with schema_context(tenant_alfa.schema_name):
        mapping = GroupRoleMapping.objects.get()
    screen.post(f"/sso/configuracao/scim/grupos/{mapping.pk}/remover/")

    # Then the member has the new default role, and each step was audited with via="web"
    assert _role(tenant_alfa, member) == Role.AUDITOR.value
    with schema_context(tenant_alfa.schema_name):
        web = list(
            AuditEntry.objects.filter(via="web", action__startswith="sso.")
            .order_by("id")
            .values_list("action", flat=True)
        )
        role_syncs = list(
            AuditEntry.objects.filter(object_id=member, action="scim.role_sync")
            .order_by("id")
            .values_list("after", "via")
        )
    assert web == [
        "sso.group_mapping_create",
        "sso.provisioning_settings",
        "sso.group_mapping_delete",
    ]
    assert role_syncs == [({"role": "supervisor"}, "web"), ({"role": "auditor"}, "web")]

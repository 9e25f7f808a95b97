"""SCIM Users as Microsoft Entra ID sends them (6.5.23.2): the documented request bodies in
fixtures/ create, find, patch (with Entra ID's quirks), disable and deprovision users here,
each change audited with via="scim"."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.models import AuditEntry
from security.route_audit import audits_route
from sso.models import IdentityProfile
from tenants.models import Tenant
from tests.conftest import PASSWORD, host_of
from tests.sso.conftest import fixture_json

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.2")]

USER_NAME = "Test_User_00aa00aa-bb11-cc22-dd33-44ee44ee44ee"
WORK_EMAIL = "test_user_11bb11bb-cc22-dd33-ee44-55ff55ff55ff@testuser.com"


def _create(scim: Callable[..., Any], fixture: str = "entra_user_create.json") -> dict[str, Any]:
    response = scim("POST", "Users", fixture_json(fixture))
    assert response.status_code == 201, response.content
    return response.json()


def _scim_audit(tenant: Tenant, user_id: int | str) -> list[tuple[str, str]]:
    with schema_context(tenant.schema_name):
        return list(
            AuditEntry.objects.filter(object_type="accounts.user", object_id=str(user_id))
            .order_by("id")
            .values_list("action", "via")
        )


@audits_route("tenant:scim:users")
def test_create_user_from_entra_request(scim: Callable[..., Any], tenant_alfa: Tenant) -> None:
    # When Entra ID posts its documented Create User request
    body = _create(scim)

    # Then the answer is the SCIM user, and the person exists here as an agent
    assert body["schemas"] == ["urn:ietf:params:scim:schemas:core:2.0:User"]
    assert body["userName"] == USER_NAME
    assert body["externalId"] == "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef"
    assert body["active"] is True
    assert body["name"] == {
        "givenName": "givenName",
        "familyName": "familyName",
        "formatted": "givenName familyName",
    }
    assert body["emails"] == [{"value": WORK_EMAIL, "type": "work", "primary": True}]
    assert body["meta"]["resourceType"] == "User"
    assert body["meta"]["location"] == f"http://alfa.localhost/scim/v2/Users/{body['id']}"
    with schema_context(tenant_alfa.schema_name):
        user = User.objects.get(pk=int(body["id"]))
        profile = IdentityProfile.objects.get(user=user)
    assert (user.email, user.full_name, user.is_active, user.role) == (
        WORK_EMAIL,
        "givenName familyName",
        True,
        Role.AGENT.value,
    )
    assert user.has_usable_password() is False
    assert (profile.scim_managed, profile.scim_user_name) == (True, USER_NAME)
    assert _scim_audit(tenant_alfa, body["id"]) == [("scim.user_create", "scim")]
    with schema_context(tenant_alfa.schema_name):
        entry = AuditEntry.objects.get(action="scim.user_create")
    assert (entry.actor_id, entry.actor_label) == (None, "SCIM: Entra ID")
    assert entry.token_prefix and (entry.after or {})["email"] == WORK_EMAIL


def test_create_user_with_nulls_and_misspelled_schema_then_find_by_unquoted_external_id(
    scim: Callable[..., Any],
) -> None:
    body = _create(scim, "entra_user_create_jyoung.json")
    assert (body["displayName"], body["emails"][0]["value"]) == ("Joy Young", "jyoung@contoso.com")

    found = scim("GET", "Users?filter=externalId eq jyoung").json()
    assert found["totalResults"] == 1
    assert found["Resources"][0]["id"] == body["id"]
    assert scim("GET", "Users?filter=externalId eq JYOUNG").json()["totalResults"] == 0


def test_get_user_and_query_by_user_name_and_work_email(scim: Callable[..., Any]) -> None:
    created = _create(scim)
    assert scim("GET", f"Users/{created['id']}").json() == created
    for query in (
        f'userName eq "{USER_NAME.upper()}"',
        f'emails[type eq "work"].value eq "{WORK_EMAIL}"',
    ):
        listed = scim("GET", f"Users?filter={query}").json()
        assert (listed["totalResults"], listed["Resources"][0]["id"]) == (1, created["id"])


def test_existing_local_user_is_matched_by_user_name_and_then_managed(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
) -> None:
    # Given a supervisor created here before provisioning was turned on
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR, email="ana@alfa.gov.br")
    # When Entra ID looks for its user by userName (the same UPN as the e-mail)
    listed = scim("GET", 'Users?filter=userName eq "ana@alfa.gov.br"').json()
    # Then it finds the existing account instead of creating a duplicate
    assert [r["id"] for r in listed["Resources"]] == [str(supervisor.pk)]
    patch = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "displayName", "value": "Ana Lima"}],
    }
    assert scim("PATCH", f"Users/{supervisor.pk}", patch).status_code == 200
    with schema_context(tenant_alfa.schema_name):
        assert IdentityProfile.objects.get(user=supervisor).scim_managed is True
        assert User.objects.get(pk=supervisor.pk).full_name == "Ana Lima"


def test_patch_multivalued_and_single_valued_properties(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    created = _create(scim)

    response = scim(
        "PATCH", f"Users/{created['id']}", fixture_json("entra_user_patch_multivalued.json")
    )
    assert response.status_code == 200
    body = response.json()
    assert body["emails"][0]["value"] == "updatedemail@microsoft.com"
    assert body["name"]["familyName"] == "updatedFamilyName"

    response = scim(
        "PATCH", f"Users/{created['id']}", fixture_json("entra_user_patch_username.json")
    )
    assert response.json()["userName"] == "5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com"
    with schema_context(tenant_alfa.schema_name):
        user = User.objects.get(pk=int(created["id"]))
        updates = AuditEntry.objects.filter(action="scim.user_update").order_by("id")
        assert [(e.after or {})["email"] for e in updates] == ["updatedemail@microsoft.com"] * 2
        assert (updates[0].before or {})["email"] == WORK_EMAIL
    assert user.email == "updatedemail@microsoft.com"
    assert user.full_name == "givenName updatedFamilyName"


@pytest.mark.parametrize(
    "fixture", ["entra_user_replace_multiple_legacy.json", "entra_user_replace_multiple_flag.json"]
)
def test_replace_multiple_attributes_with_and_without_path(
    fixture: str,
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    created = _create(scim)
    body = scim("PATCH", f"Users/{created['id']}", fixture_json(fixture)).json()
    expected = {
        "entra_user_replace_multiple_legacy.json": (
            "Pvlo",
            "Gtfd",
            "Pkqf",
            "testbcwqnm@test.microsoft.com",
            "Eqpj",
        ),
        "entra_user_replace_multiple_flag.json": (
            "Bjfe",
            "Kkom",
            "Unua",
            "testmhvaes@test.microsoft.com",
            "0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef",
        ),
    }[fixture]
    assert (
        body["displayName"],
        body["name"]["givenName"],
        body["name"]["familyName"],
        body["emails"][0]["value"],
        body["externalId"],
    ) == expected
    with schema_context(tenant_alfa.schema_name):
        extras = IdentityProfile.objects.get(user_id=int(created["id"])).scim_attributes
    assert extras["urn:ietf:params:scim:schemas:extension:enterprise:2.0:user:employeenumber"] == (
        "Eqpj" if "legacy" in fixture else "Aklq"
    )


def test_add_single_value_attribute_is_kept_as_sent(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    created = _create(scim)
    response = scim(
        "PATCH", f"Users/{created['id']}", fixture_json("entra_user_add_nickname_legacy.json")
    )
    assert response.status_code == 200
    with schema_context(tenant_alfa.schema_name):
        assert (
            IdentityProfile.objects.get(user_id=int(created["id"])).scim_attributes["nickname"]
            == "Babs"
        )


@pytest.mark.parametrize(
    "fixture", ["entra_user_disable.json", "entra_user_disable_legacy_string.json"]
)
def test_disable_user_with_boolean_or_string_false_blocks_login(
    fixture: str,
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    # Given an agent the directory manages, signed in on the console
    agent = make_user(tenant_alfa, Role.AGENT, email="carlos@alfa.gov.br")
    console = client_for(tenant_alfa, agent)
    assert console.get("/").status_code == 200

    # When Entra ID disables them (JSON false, or the legacy string "False")
    response = scim("PATCH", f"Users/{agent.pk}", fixture_json(fixture))

    # Then the account is inactive, the open session no longer works, nor does the password
    assert response.status_code == 200
    assert response.json()["active"] is False
    with schema_context(tenant_alfa.schema_name):
        assert User.objects.get(pk=agent.pk).is_active is False
    assert console.get("/").status_code == 302
    login = Client(HTTP_HOST=host_of(tenant_alfa)).post(
        "/conta/entrar/", {"username": "carlos@alfa.gov.br", "password": PASSWORD}
    )
    assert login.status_code == 200
    assert _scim_audit(tenant_alfa, agent.pk)[-1] == ("scim.user_update", "scim")

    # And enabling again restores the account
    enable = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
        "Operations": [{"op": "Replace", "path": "active", "value": "True"}],
    }
    assert scim("PATCH", f"Users/{agent.pk}", enable).json()["active"] is True


@audits_route("tenant:scim:user")
def test_put_replaces_the_user(scim: Callable[..., Any], tenant_alfa: Tenant) -> None:
    created = _create(scim)
    replacement = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "novo.nome@testuser.com",
        "active": True,
        "displayName": "Nome Novo",
        "emails": [{"type": "work", "value": "novo.nome@alfa.gov.br", "primary": True}],
    }
    body = scim("PUT", f"Users/{created['id']}", replacement).json()
    assert (body["userName"], body["displayName"], body["emails"][0]["value"]) == (
        "novo.nome@testuser.com",
        "Nome Novo",
        "novo.nome@alfa.gov.br",
    )
    assert "externalId" not in body
    assert "name" not in body
    assert _scim_audit(tenant_alfa, created["id"])[-1] == ("scim.user_replace", "scim")


def test_duplicate_user_name_or_email_is_409_uniqueness(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
) -> None:
    _create(scim)
    again = scim("POST", "Users", fixture_json("entra_user_create.json"))
    assert again.status_code == 409
    assert again.json()["scimType"] == "uniqueness"
    make_user(tenant_alfa, Role.AGENT, email="ocupado@alfa.gov.br")
    taken = scim(
        "POST",
        "Users",
        {
            "userName": "outro@testuser.com",
            "emails": [{"type": "work", "value": "ocupado@alfa.gov.br"}],
        },
    )
    assert (taken.status_code, taken.json()["scimType"]) == (409, "uniqueness")


def test_delete_deactivates_keeps_the_row_and_hides_the_user_from_scim(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
) -> None:
    created = _create(scim)
    response = scim("DELETE", f"Users/{created['id']}")
    assert response.status_code == 204
    assert response.content == b""
    with schema_context(tenant_alfa.schema_name):
        user = User.objects.get(pk=int(created["id"]))
    assert user.is_active is False
    assert scim("GET", f"Users/{created['id']}").status_code == 404
    assert scim("GET", f'Users?filter=userName eq "{USER_NAME}"').json()["totalResults"] == 0
    assert _scim_audit(tenant_alfa, created["id"]) == [
        ("scim.user_create", "scim"),
        ("scim.user_delete", "scim"),
    ]

    # When the same person is assigned again, the same user comes back
    restored = _create(scim)
    assert restored["id"] == created["id"]
    assert restored["active"] is True
    assert _scim_audit(tenant_alfa, created["id"])[-1] == ("scim.user_restore", "scim")


def test_users_created_on_one_tenant_do_not_exist_on_another(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
) -> None:
    created = _create(scim)
    with schema_context(tenant_beta.schema_name):
        assert User.objects.filter(email=WORK_EMAIL).exists() is False
        assert AuditEntry.objects.filter(action__startswith="scim.").count() == 0
    # alfa's token is unknown on beta's host
    assert scim("GET", f"Users/{created['id']}", tenant=tenant_beta).status_code == 401


def test_list_is_paginated(
    scim: Callable[..., Any], tenant_alfa: Tenant, make_user: Callable[..., User]
) -> None:
    make_user(tenant_alfa, Role.AGENT)
    make_user(tenant_alfa, Role.AGENT)
    with schema_context(tenant_alfa.schema_name):
        total = User.objects.count()
    page = scim("GET", "Users?startIndex=2&count=1").json()
    assert (page["totalResults"], page["startIndex"], page["itemsPerPage"]) == (total, 2, 1)
    with schema_context(tenant_alfa.schema_name):
        second = User.objects.order_by("pk").values_list("pk", flat=True)[1]
    assert [r["id"] for r in page["Resources"]] == [str(second)]

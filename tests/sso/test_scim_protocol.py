"""The SCIM endpoint's contract (6.5.23.2): bearer token per tenant, discovery documents, the
error format, and Entra ID's "Test Connection" query."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from sso.models import ScimToken
from sso.services.scim_tokens import scim_token_create, scim_token_revoke
from tenants.models import Tenant
from tests.conftest import host_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.2")]

ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST = "urn:ietf:params:scim:api:messages:2.0:ListResponse"


def _beta_token(tenant_beta: Tenant) -> str:
    with schema_context(tenant_beta.schema_name):
        return scim_token_create(actor=Actor.command("tests"), name="beta", created_by=None).token


@pytest.mark.parametrize("token", ["", "scim_00000000_nao-existe", "tk_abcd_api-token"])
def test_requests_without_a_valid_token_get_401_in_scim_format(
    token: str,
    scim: Callable[..., Any],
) -> None:
    response = scim("GET", "Users", token=token)
    assert response.status_code == 401
    assert response["Content-Type"] == "application/scim+json"
    assert response["WWW-Authenticate"] == 'Bearer realm="scim"'
    assert response.json() == {
        "schemas": [ERROR],
        "status": "401",
        "detail": "Token SCIM ausente, inválido ou revogado.",
    }


def test_revoked_token_and_other_tenants_token_are_refused(
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    scim_token: str,
) -> None:
    # Given beta's token, used on alfa's host
    assert scim("GET", "Users", token=_beta_token(tenant_beta)).status_code == 401
    # Given alfa's token, revoked by an admin
    assert scim("GET", "Users").status_code == 200
    with schema_context(tenant_alfa.schema_name):
        scim_token_revoke(
            actor=Actor.command("tests"), scim_token=ScimToken.objects.get(name="Entra ID")
        )
    assert scim("GET", "Users").status_code == 401


def test_token_is_stored_only_as_a_hash(tenant_alfa: Tenant, scim_token: str) -> None:
    with schema_context(tenant_alfa.schema_name):
        stored = ScimToken.objects.get(name="Entra ID")
    assert scim_token.startswith(f"scim_{stored.prefix}_")
    assert scim_token not in (stored.token_hash, stored.prefix, stored.name)
    assert len(stored.token_hash) == 64


def test_test_connection_query_for_a_random_guid_returns_an_empty_list(
    scim: Callable[..., Any],
) -> None:
    response = scim("GET", 'Users?filter=userName eq "8a1c3f52-2b7e-4a0e-9d55-0c1f3b0f6e21"')
    assert response.status_code == 200
    assert response.json() == {
        "schemas": [LIST],
        "totalResults": 0,
        "startIndex": 1,
        "itemsPerPage": 0,
        "Resources": [],
    }


def test_discovery_documents(scim: Callable[..., Any]) -> None:
    config = scim("GET", "ServiceProviderConfig").json()
    assert config["patch"] == {"supported": True}
    assert config["bulk"]["supported"] is False
    assert config["filter"] == {"supported": True, "maxResults": 200}
    assert config["authenticationSchemes"][0]["type"] == "oauthbearertoken"

    types = scim("GET", "ResourceTypes").json()
    assert [(t["id"], t["endpoint"]) for t in types["Resources"]] == [
        ("User", "/Users"),
        ("Group", "/Groups"),
    ]
    assert scim("GET", "ResourceTypes/Group").json()["schema"] == (
        "urn:ietf:params:scim:schemas:core:2.0:Group"
    )

    schemas = scim("GET", "Schemas").json()
    assert schemas["totalResults"] == 3
    assert [s["id"] for s in schemas["Resources"]] == [
        "urn:ietf:params:scim:schemas:core:2.0:User",
        "urn:ietf:params:scim:schemas:core:2.0:Group",
        "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User",
    ]
    user_schema = scim("GET", "Schemas/urn:ietf:params:scim:schemas:core:2.0:User").json()
    assert user_schema["attributes"][0]["name"] == "userName"
    assert scim("GET", "Schemas/urn:nao:existe").status_code == 404


@pytest.mark.parametrize(
    ("method", "path", "body", "status", "scim_type"),
    [
        ("GET", 'Users?filter=title eq "x"', None, 400, "invalidFilter"),
        ("GET", 'Users?filter=userName sw "a"', None, 400, "invalidFilter"),
        ("GET", "Users?startIndex=abc", None, 400, "invalidValue"),
        ("POST", "Users", {"userName": "sem-email"}, 400, "invalidValue"),
        ("POST", "Users", {"emails": [{"value": "a@b.gov.br"}]}, 400, "invalidValue"),
        ("POST", "Users", ["not", "an", "object"], 400, "invalidSyntax"),
        (
            "PATCH",
            "Users/{id}",
            {"Operations": [{"op": "Move", "path": "active"}]},
            400,
            "invalidSyntax",
        ),
        ("PATCH", "Users/{id}", {"Operations": [{"op": "Remove"}]}, 400, "noTarget"),
        (
            "PATCH",
            "Users/{id}",
            {"Operations": [{"op": "Replace", "path": "active", "value": "talvez"}]},
            400,
            "invalidValue",
        ),
        ("PATCH", "Users/{id}", {"schemas": []}, 400, "invalidSyntax"),
        ("GET", "Users/999999", None, 404, None),
        ("DELETE", "Users", None, 405, None),
    ],
)
def test_errors_use_the_scim_error_document_and_change_nothing(
    method: str,
    path: str,
    body: Any,
    status: int,
    scim_type: str | None,
    scim: Callable[..., Any],
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    with schema_context(tenant_alfa.schema_name):
        before = list(User.objects.order_by("pk").values_list("pk", "email", "is_active"))
    response = scim(method, path.replace("{id}", str(agent.pk)), body)
    assert response.status_code == status
    document = response.json()
    assert document["schemas"] == [ERROR]
    assert document["status"] == str(status)
    assert document.get("scimType") == scim_type
    assert document["detail"]
    with schema_context(tenant_alfa.schema_name):
        after = list(User.objects.order_by("pk").values_list("pk", "email", "is_active"))
    assert after == before


def test_invalid_json_body_is_invalid_syntax(
    scim: Callable[..., Any], scim_token: str, tenant_alfa: Tenant
) -> None:
    response = Client(HTTP_HOST=host_of(tenant_alfa)).post(
        "/scim/v2/Users",
        data="{not json",
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {scim_token}"},
    )
    assert response.status_code == 400
    assert response.json()["scimType"] == "invalidSyntax"


def test_lowercase_resource_names_and_trailing_slash_are_accepted(
    scim: Callable[..., Any],
) -> None:
    assert scim("GET", "users/").status_code == 200
    assert scim("GET", "groups").status_code == 200
    assert scim("GET", "serviceproviderconfig").status_code == 200


def test_directory_posts_need_no_csrf_token(tenant_alfa: Tenant, scim_token: str) -> None:
    client = Client(HTTP_HOST=host_of(tenant_alfa), enforce_csrf_checks=True)
    response = client.post(
        "/scim/v2/Users",
        data='{"userName": "csrf@alfa.gov.br"}',
        content_type="application/scim+json",
        headers={"Authorization": f"Bearer {scim_token}"},
    )
    assert response.status_code == 201

"""An admin creates the SCIM token on a screen (6.5.23.2): shown once, stored hashed, usable by
the directory at once, and revocable."""

from __future__ import annotations

import re
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.models import AuditEntry
from security.route_audit import audits_route
from sso.models import ScimToken
from tenants.models import Tenant

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.2")]


@audits_route("tenant:sso:scim_token_create", "tenant:sso:scim_token_revoke")
def test_token_is_shown_once_works_and_can_be_revoked(
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
    scim: Callable[..., Any],
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    screen = client_for(tenant_alfa, admin)

    # When the admin creates a token
    created = screen.post("/sso/configuracao/scim/tokens/", {"name": "Entra ID produção"})

    # Then the page shows it once, with the tenant URL to paste into Entra ID
    assert created.status_code == 200
    page = created.content.decode()
    match = re.search(r'id="issued-scim-token">(scim_[0-9a-f]{8}_[\w-]+)<', page)
    assert match is not None
    token = match.group(1)
    assert "http://alfa.localhost/scim/v2/" in page
    assert token not in screen.get("/sso/configuracao/scim/").content.decode()
    with schema_context(tenant_alfa.schema_name):
        stored = ScimToken.objects.get(name="Entra ID produção")
        entry = AuditEntry.objects.get(action="scim_token.create", object_id=str(stored.pk))
    assert stored.created_by_id == admin.pk
    assert (entry.actor_id, entry.after) == (
        admin.pk,
        {"name": "Entra ID produção", "prefix": stored.prefix},
    )

    # And the directory can use it
    assert scim("GET", "Users", token=token).status_code == 200

    # When the admin revokes it, the directory is refused
    assert screen.post(f"/sso/configuracao/scim/tokens/{stored.pk}/revogar/").status_code == 302
    assert scim("GET", "Users", token=token).status_code == 401


def test_token_needs_a_name(
    tenant_alfa: Tenant, make_user: Callable[..., User], client_for: Callable[..., Client]
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    response = client_for(tenant_alfa, admin).post("/sso/configuracao/scim/tokens/", {"name": ""})
    assert response.status_code == 400
    with schema_context(tenant_alfa.schema_name):
        assert ScimToken.objects.count() == 0

"""Fixtures for SSO and SCIM: a test IdP key pair, a configured Entra ID provider on tenant
"alfa", SCIM tokens, and the documented Entra ID request bodies."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.roles import Role
from security.actors import Actor
from sso import saml
from sso.models import IdentityProvider, IdentityProviderKind
from sso.services.scim_tokens import scim_token_create
from tenants.models import Tenant
from tests.conftest import host_of
from tests.sso import saml_idp

FIXTURES = Path(__file__).parent / "fixtures"


@pytest.fixture(scope="session")
def idp_keys() -> saml_idp.KeyPair:
    return saml_idp.key_pair_generate("IdP de teste")


@pytest.fixture(scope="session")
def attacker_keys() -> saml_idp.KeyPair:
    return saml_idp.key_pair_generate("IdP de teste")


@pytest.fixture
def entra_provider(tenant_alfa: Tenant, idp_keys: saml_idp.KeyPair) -> IdentityProvider:
    """Entra ID configured on "alfa": JIT creation on, role and team claims mapped."""
    with schema_context(tenant_alfa.schema_name):
        return IdentityProvider.objects.create(
            kind=IdentityProviderKind.MICROSOFT,
            enabled=True,
            entity_id=saml_idp.ENTITY_ID,
            sso_url=saml_idp.SSO_URL,
            x509_cert=idp_keys.cert_pem,
            attribute_email=saml_idp.EMAIL_CLAIM,
            attribute_full_name=saml_idp.NAME_CLAIM,
            attribute_role=saml_idp.ROLE_CLAIM,
            attribute_team=saml_idp.GROUPS_CLAIM,
            role_mapping={"Supervisores": Role.SUPERVISOR.value, "Gestores": Role.ADMIN.value},
            default_role=Role.AGENT,
            create_users=True,
            link_by_email=True,
        )


@pytest.fixture
def sp_alfa(tenant_alfa: Tenant) -> saml.SpUrls:
    return saml.sp_urls(host=host_of(tenant_alfa), kind=IdentityProviderKind.MICROSOFT)


@pytest.fixture
def scim_token(tenant_alfa: Tenant) -> str:
    with schema_context(tenant_alfa.schema_name):
        return scim_token_create(
            actor=Actor.command("tests"), name="Entra ID", created_by=None
        ).token


ScimClient = Callable[..., Any]


@pytest.fixture
def scim(tenant_alfa: Tenant, scim_token: str) -> ScimClient:
    """scim("POST", "Users", body) → response, with the tenant's bearer token."""
    client = Client(HTTP_HOST=host_of(tenant_alfa))

    def call(
        method: str,
        path: str,
        body: Any = None,
        token: str | None = None,
        tenant: Tenant | None = None,
    ) -> Any:
        target = Client(HTTP_HOST=host_of(tenant)) if tenant else client
        headers = {"Authorization": f"Bearer {token if token is not None else scim_token}"}
        data = json.dumps(body) if body is not None else None
        return target.generic(
            method,
            f"/scim/v2/{path}",
            data=data or "",
            content_type="application/scim+json",
            headers=headers,
        )

    return call


def fixture_json(name: str, replacements: dict[str, str] | None = None) -> Any:
    text = (FIXTURES / name).read_text()
    for old, new in (replacements or {}).items():
        text = text.replace(old, new)
    return json.loads(text)

"""The SSO configuration screens (6.5.23.1): IdP metadata upload fills entity ID, SSO URL and
certificate; SP metadata is downloadable per tenant host; the attribute and role mapping is
saved and audited; only admins (manage_settings) reach the screens; the login page shows
"Entrar com …" only for enabled providers."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client
from django_tenants.utils import schema_context
from lxml import etree

from accounts.models import User
from accounts.roles import Role
from security.models import AuditEntry
from security.route_audit import audits_route
from sso.models import IdentityProvider, IdentityProviderKind
from tenants.models import Tenant
from tests.sso import saml_idp
from tests.sso.conftest import FIXTURES

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.1")]

MD = "{urn:oasis:names:tc:SAML:2.0:metadata}"


def _metadata(name: str, keys: saml_idp.KeyPair) -> bytes:
    return (FIXTURES / name).read_text().replace("{certificate}", keys.cert_base64).encode()


def _form(**overrides: object) -> dict[str, object]:
    data: dict[str, object] = {
        "enabled": "on",
        "entity_id": "",
        "sso_url": "",
        "x509_cert": "",
        "attribute_email": "",
        "attribute_full_name": "",
        "attribute_first_name": "first_name",
        "attribute_last_name": "last_name",
        "attribute_role": "role",
        "role_mapping": "supervisores@alfa.gov.br = supervisor\nGestores = administrador",
        "default_role": Role.AGENT.value,
        "attribute_team": "team",
        "create_users": "on",
        "link_by_email": "on",
    }
    data.update(overrides)
    return data


@pytest.mark.parametrize(
    ("kind", "fixture", "entity_id", "sso_url"),
    [
        (
            IdentityProviderKind.GOOGLE,
            "google_idp_metadata.xml",
            "https://accounts.google.com/o/saml2?idpid=C01abc2de",
            "https://accounts.google.com/o/saml2/idp?idpid=C01abc2de",
        ),
        (
            IdentityProviderKind.MICROSOFT,
            "entra_idp_metadata.xml",
            saml_idp.ENTITY_ID,
            saml_idp.SSO_URL,
        ),
    ],
)
@audits_route("tenant:sso:provider_edit")
def test_uploaded_idp_metadata_fills_the_provider_and_is_audited(
    kind: str,
    fixture: str,
    entity_id: str,
    sso_url: str,
    tenant_alfa: Tenant,
    idp_keys: saml_idp.KeyPair,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    # Given an admin on the provider's screen with the IdP's metadata file
    admin = make_user(tenant_alfa, Role.ADMIN)
    upload = SimpleUploadedFile(
        "metadata.xml", _metadata(fixture, idp_keys), content_type="application/xml"
    )

    # When they upload it with the attribute mapping
    response = client_for(tenant_alfa, admin).post(
        f"/sso/configuracao/saml/{kind}/", _form(metadata_file=upload)
    )

    # Then entity ID, SSO URL and certificate come from the file, and the change is audited
    assert response.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        provider = IdentityProvider.objects.get(kind=kind)
        entry = AuditEntry.objects.get(action="sso.provider_save")
    assert (provider.entity_id, provider.sso_url) == (entity_id, sso_url)
    assert provider.x509_cert.replace("\n", "").endswith(
        idp_keys.cert_base64 + "-----END CERTIFICATE-----"
    )
    assert provider.role_mapping == {
        "supervisores@alfa.gov.br": "supervisor",
        "Gestores": "administrador",
    }
    assert (provider.enabled, provider.create_users, provider.allow_idp_initiated) == (
        True,
        True,
        False,
    )
    assert (entry.actor_id, entry.via, entry.before) == (admin.pk, "web", None)
    assert (entry.after or {})["entity_id"] == entity_id


@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        (
            {"metadata_file": SimpleUploadedFile("m.xml", b"<not-saml/>")},
            "Os metadados não trazem entity ID",
        ),
        (
            {"metadata_file": SimpleUploadedFile("m.xml", b"\x00\xff garbage")},
            "O arquivo deve ser um XML em UTF-8.",
        ),
        (
            {"x509_cert": "-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----"},
            "Certificado X.509 inválido.",
        ),
        ({"role_mapping": "Gestores = prefeito"}, "papel desconhecido"),
        ({"role_mapping": "sem sinal de igual"}, "use o formato"),
        ({}, "Para ativar, informe entity ID"),
    ],
)
def test_bad_configuration_is_refused_and_nothing_is_saved(
    overrides: dict[str, object],
    message: str,
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    response = client_for(tenant_alfa, admin).post(
        "/sso/configuracao/saml/microsoft/", _form(**overrides)
    )
    assert response.status_code == 200
    assert message in response.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert IdentityProvider.objects.count() == 0
        assert AuditEntry.objects.filter(action="sso.provider_save").count() == 0


def test_sp_metadata_is_served_for_the_tenant_host(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    client_for: Callable[..., Client],
) -> None:
    # When each tenant's SP metadata for Google is downloaded
    alfa = client_for(tenant_alfa).get("/sso/saml/google/metadata/?download=1")
    beta = client_for(tenant_beta).get("/sso/saml/google/metadata/")

    # Then each names its own host as entity ID and ACS, as an attachment when asked
    assert alfa.status_code == 200
    assert alfa["Content-Type"] == "application/samlmetadata+xml; charset=utf-8"
    assert alfa["Content-Disposition"] == 'attachment; filename="sp-metadata-alfa-google.xml"'
    root = etree.fromstring(alfa.content)
    acs = root.find(f"{MD}SPSSODescriptor/{MD}AssertionConsumerService")
    assert root.get("entityID") == "http://alfa.localhost:8000/sso/saml/google/metadata/"
    assert acs is not None
    assert acs.get("Location") == "http://alfa.localhost:8000/sso/saml/google/acs/"
    assert acs.get("Binding") == "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
    assert etree.fromstring(beta.content).get("entityID") == (
        "http://beta.localhost:8000/sso/saml/google/metadata/"
    )


def test_login_page_shows_buttons_only_for_enabled_providers(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    entra_provider: IdentityProvider,
    client_for: Callable[..., Client],
) -> None:
    alfa = client_for(tenant_alfa).get("/conta/entrar/?next=/conta/usuarios/").content.decode()
    beta = client_for(tenant_beta).get("/conta/entrar/").content.decode()
    assert 'href="/sso/saml/microsoft/login/?next=/conta/usuarios/"' in alfa
    assert "Entrar com Microsoft" in alfa
    assert "Entrar com Google" not in alfa
    assert "Entrar com" not in beta


def test_control_plane_login_page_has_no_sso_buttons(db: None) -> None:
    page = Client(HTTP_HOST=settings.BASE_DOMAIN).get("/conta/entrar/")
    assert page.status_code == 200
    assert "Entrar com" not in page.content.decode()


SCREENS = [
    ("get", "/sso/configuracao/"),
    ("get", "/sso/configuracao/saml/google/"),
    ("get", "/sso/configuracao/scim/"),
    ("post", "/sso/configuracao/saml/google/"),
    ("post", "/sso/configuracao/scim/tokens/"),
    ("post", "/sso/configuracao/scim/grupos/"),
    ("post", "/sso/configuracao/scim/papel-padrao/"),
]


@pytest.mark.parametrize(("method", "path"), SCREENS)
@pytest.mark.parametrize("role", [None, Role.AGENT, Role.SUPERVISOR, Role.AUDITOR, Role.ADMIN])
def test_only_admins_reach_the_sso_screens_and_denied_requests_change_nothing(
    method: str,
    path: str,
    role: str | None,
    tenant_alfa: Tenant,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    user = make_user(tenant_alfa, role) if role else None
    client = client_for(tenant_alfa, user)
    data = {
        **_form(enabled=""),
        "name": "Entra",
        "group_name": "Supervisores",
        "role": "supervisor",
        "default_role": "supervisor",
    }
    response = client.get(path) if method == "get" else client.post(path, data)
    with schema_context(tenant_alfa.schema_name):
        changes = (
            AuditEntry.objects.filter(action__startswith="sso.").count()
            + AuditEntry.objects.filter(action__startswith="scim_token.").count()
        )
    if role is None:
        assert response.status_code == 302
        assert response["Location"].startswith("/conta/entrar/")
        assert changes == 0
    elif role != Role.ADMIN:
        assert response.status_code == 403
        assert changes == 0
    else:
        assert response.status_code in {200, 302}
        assert changes == (0 if method == "get" else 1)


def test_other_tenants_admin_cannot_use_this_tenants_screens(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: Callable[..., User],
    client_for: Callable[..., Client],
) -> None:
    # A session made on beta's host is unknown on alfa's host.
    beta_admin = make_user(tenant_beta, Role.ADMIN)
    client = client_for(tenant_beta, beta_admin)
    client.defaults["HTTP_HOST"] = "alfa.localhost"
    response = client.get("/sso/configuracao/")
    assert response.status_code == 302

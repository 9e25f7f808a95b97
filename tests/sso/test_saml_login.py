"""SAML 2.0 login (6.5.23.1) against a test IdP whose key signs the assertions: a valid
assertion signs the person in with the mapped role; a wrong signature, an expired assertion, a
wrong audience and a replayed assertion are refused, recorded, and change nothing."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.models import AuditEntry
from security.route_audit import audits_route
from sso import saml
from sso.models import IdentityProvider, IdentityProviderKind, SamlIdentity
from tenants.models import Tenant
from tests.sso import saml_idp

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.1")]

ACS = "/sso/saml/microsoft/acs/"
EMAIL = "maria.souza@alfa.gov.br"


def _login_start(client: Client, next_url: str = "/conta/usuarios/") -> str:
    response = client.get(f"/sso/saml/microsoft/login/?next={next_url}")
    assert response.status_code == 302
    assert response["Location"].startswith(f"{saml_idp.SSO_URL}?SAMLRequest=")
    return saml_idp.authn_request_id(response["Location"])


def _claims(role: str = "Supervisores") -> dict[str, list[str]]:
    return {
        saml_idp.EMAIL_CLAIM: [EMAIL],
        saml_idp.NAME_CLAIM: ["Maria Souza"],
        saml_idp.ROLE_CLAIM: [role],
        saml_idp.GROUPS_CLAIM: ["Saúde", "Ouvidoria"],
    }


def _audit(tenant: Tenant, action: str) -> list[AuditEntry]:
    with schema_context(tenant.schema_name):
        return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _signed_in_as(client: Client, tenant: Tenant) -> int | None:
    with schema_context(tenant.schema_name):
        value = client.session.get("_auth_user_id")
    return int(value) if value else None


@audits_route("tenant:sso:saml_acs")
def test_valid_assertion_creates_user_with_mapped_role_and_teams_and_signs_in(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    # Given a login started here, and the IdP's signed answer to that request
    client = client_for(tenant_alfa)
    request_id = _login_start(client)
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
        in_response_to=request_id,
    )

    # When the browser posts it to the ACS
    response = client.post(ACS, {"SAMLResponse": saml_response, "RelayState": "/conta/usuarios/"})

    # Then the person exists, is a supervisor with the IdP's teams, and is signed in
    assert response.status_code == 302
    assert response["Location"] == "/conta/usuarios/"
    with schema_context(tenant_alfa.schema_name):
        user = User.objects.get(email=EMAIL)
        assert user.full_name == "Maria Souza"
        assert user.role == Role.SUPERVISOR.value
        assert user.identity_profile.teams == ["Ouvidoria", "Saúde"]
        assert user.has_usable_password() is False
        assert SamlIdentity.objects.filter(user=user, name_id=EMAIL).count() == 1
        trail = list(
            AuditEntry.objects.filter(
                object_type="accounts.user", object_id=str(user.pk)
            ).values_list("action", "via")
        )
    assert trail == [("sso.user_create", "sso"), ("sso.login", "sso")]
    assert _signed_in_as(client, tenant_alfa) == user.pk
    assert client.get("/conta/usuarios/").status_code == 200


def test_existing_user_is_linked_by_email_and_gets_the_mapped_role(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
    make_user: Callable[..., User],
) -> None:
    # Given an agent who already had an account with the same e-mail
    agent = make_user(tenant_alfa, Role.AGENT, email=EMAIL)
    client = client_for(tenant_alfa)
    request_id = _login_start(client)
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(role="Gestores"),
        in_response_to=request_id,
    )

    # When they sign in through Entra ID as a member of "Gestores"
    response = client.post(ACS, {"SAMLResponse": saml_response})

    # Then the same user is linked, promoted as the mapping says, and the change is audited
    assert response.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        assert User.objects.filter(email=EMAIL).count() == 1
        assert User.objects.get(pk=agent.pk).role == Role.ADMIN.value
        assert SamlIdentity.objects.get(user=agent).name_id == EMAIL
        update = AuditEntry.objects.get(action="sso.user_update", object_id=str(agent.pk))
    assert (update.before or {})["role"] == Role.AGENT.value
    assert (update.after or {})["role"] == Role.ADMIN.value
    assert [e.object_id for e in _audit(tenant_alfa, "sso.identity_link")] == [str(agent.pk)]
    assert _signed_in_as(client, tenant_alfa) == agent.pk


@pytest.mark.parametrize(
    ("case", "reason"),
    [
        ("wrong_signature", "invalid_signature"),
        ("tampered", "invalid_signature"),
        ("expired", "expired"),
        ("wrong_audience", "wrong_audience"),
    ],
)
def test_bad_assertions_are_refused_and_change_nothing(
    case: str,
    reason: str,
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    attacker_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    # Given a login in progress and a response that is wrong in one way
    client = client_for(tenant_alfa)
    request_id = _login_start(client)
    options: dict[str, object] = {
        "keys": attacker_keys if case == "wrong_signature" else idp_keys,
        "acs_url": sp_alfa.acs_url,
        "audience": "https://outro-sistema.example/saml/metadata/"
        if case == "wrong_audience"
        else sp_alfa.entity_id,
        "name_id": EMAIL,
        "attributes": _claims(role="Gestores"),
        "in_response_to": request_id,
        "tamper": case == "tampered",
    }
    if case == "expired":
        options["issued_at"] = datetime.now(UTC) - timedelta(hours=2)
        options["valid_for"] = timedelta(hours=1)
    saml_response = saml_idp.response_build(**options)  # type: ignore[arg-type]

    # When it is posted to the ACS
    response = client.post(ACS, {"SAMLResponse": saml_response})

    # Then it is refused: nobody is created or signed in, and the refusal is on record
    assert response.status_code == 403
    assert "O login pelo provedor de identidade foi recusado." in response.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert User.objects.filter(email__in=[EMAIL, "intruso@atacante.example"]).count() == 0
    assert _signed_in_as(client, tenant_alfa) is None
    refusals = _audit(tenant_alfa, "sso.login_refused")
    assert [((e.after or {})["reason"], e.via, e.actor_id) for e in refusals] == [
        (reason, "sso", None)
    ]


def test_replayed_assertion_is_refused(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    # Given a valid response that was already used to sign in
    first = client_for(tenant_alfa)
    request_id = _login_start(first)
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
        in_response_to=request_id,
    )
    assert first.post(ACS, {"SAMLResponse": saml_response}).status_code == 302

    # When someone who captured it posts it again from another browser
    second = client_for(tenant_alfa)
    response = second.post(ACS, {"SAMLResponse": saml_response})

    # Then it is refused as a replay
    assert response.status_code == 403
    assert _signed_in_as(second, tenant_alfa) is None
    assert [(e.after or {})["reason"] for e in _audit(tenant_alfa, "sso.login_refused")] == [
        "replay"
    ]
    assert len(_audit(tenant_alfa, "sso.login")) == 1


def test_idp_initiated_login_is_refused_unless_allowed_and_then_still_single_use(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    # Given unsolicited responses (no AuthnRequest of ours behind them)
    def unsolicited() -> str:
        return saml_idp.response_build(
            keys=idp_keys,
            acs_url=sp_alfa.acs_url,
            audience=sp_alfa.entity_id,
            name_id=EMAIL,
            attributes=_claims(),
        )

    # When IdP-initiated login is off, one is refused
    assert client_for(tenant_alfa).post(ACS, {"SAMLResponse": unsolicited()}).status_code == 403

    # When the admin allows it, one is accepted, and the same one twice is not
    with schema_context(tenant_alfa.schema_name):
        IdentityProvider.objects.filter(pk=entra_provider.pk).update(allow_idp_initiated=True)
    saml_response = unsolicited()
    assert client_for(tenant_alfa).post(ACS, {"SAMLResponse": saml_response}).status_code == 302
    assert client_for(tenant_alfa).post(ACS, {"SAMLResponse": saml_response}).status_code == 403
    reasons = [(e.after or {})["reason"] for e in _audit(tenant_alfa, "sso.login_refused")]
    assert reasons == ["unsolicited", "replay"]


def test_response_to_a_request_never_issued_is_refused(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
        in_response_to="ONELOGIN_nunca_emitido",
    )
    response = client_for(tenant_alfa).post(ACS, {"SAMLResponse": saml_response})
    assert response.status_code == 403
    assert [(e.after or {})["reason"] for e in _audit(tenant_alfa, "sso.login_refused")] == [
        "unknown_request"
    ]


def test_unknown_person_is_refused_when_just_in_time_creation_is_off(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    with schema_context(tenant_alfa.schema_name):
        IdentityProvider.objects.filter(pk=entra_provider.pk).update(create_users=False)
    client = client_for(tenant_alfa)
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
        in_response_to=_login_start(client),
    )
    response = client.post(ACS, {"SAMLResponse": saml_response})
    assert response.status_code == 403
    assert "Seu usuário não está habilitado neste órgão." in response.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert User.objects.filter(email=EMAIL).exists() is False


def test_deactivated_user_is_refused(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
    make_user: Callable[..., User],
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT, email=EMAIL)
    with schema_context(tenant_alfa.schema_name):
        User.objects.filter(pk=agent.pk).update(is_active=False)
    client = client_for(tenant_alfa)
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
        in_response_to=_login_start(client),
    )
    assert client.post(ACS, {"SAMLResponse": saml_response}).status_code == 403
    assert _signed_in_as(client, tenant_alfa) is None
    assert [(e.after or {})["reason"] for e in _audit(tenant_alfa, "sso.login_refused")] == [
        "inactive"
    ]


def test_assertion_for_one_tenant_is_refused_by_another_trusting_the_same_directory(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
    client_for: Callable[..., Client],
) -> None:
    # Given beta trusts the same Entra ID directory (same certificate) and allows IdP-initiated
    with schema_context(tenant_beta.schema_name):
        IdentityProvider.objects.create(
            kind=IdentityProviderKind.MICROSOFT,
            enabled=True,
            entity_id=saml_idp.ENTITY_ID,
            sso_url=saml_idp.SSO_URL,
            x509_cert=idp_keys.cert_pem,
            create_users=True,
            allow_idp_initiated=True,
        )
    # When an assertion addressed to alfa's SP is posted to beta's ACS
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
    )
    response = client_for(tenant_beta).post(ACS, {"SAMLResponse": saml_response})

    # Then beta refuses it and creates no one
    assert response.status_code == 403
    with schema_context(tenant_beta.schema_name):
        assert User.objects.filter(email=EMAIL).exists() is False
    assert [(e.after or {})["reason"] for e in _audit(tenant_beta, "sso.login_refused")] == [
        "wrong_destination"
    ]


def test_login_start_is_404_when_the_provider_is_not_enabled(
    tenant_alfa: Tenant,
    client_for: Callable[..., Client],
) -> None:
    assert client_for(tenant_alfa).get("/sso/saml/google/login/").status_code == 404


def test_acs_accepts_the_idps_cross_site_post_without_csrf_token(
    tenant_alfa: Tenant,
    entra_provider: IdentityProvider,
    sp_alfa: saml.SpUrls,
    idp_keys: saml_idp.KeyPair,
) -> None:
    client = Client(HTTP_HOST="alfa.localhost", enforce_csrf_checks=True)
    saml_response = saml_idp.response_build(
        keys=idp_keys,
        acs_url=sp_alfa.acs_url,
        audience=sp_alfa.entity_id,
        name_id=EMAIL,
        attributes=_claims(),
        in_response_to=_login_start(client),
    )
    assert client.post(ACS, {"SAMLResponse": saml_response}).status_code == 302

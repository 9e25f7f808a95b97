"""The SAML 2.0 protocol edge, on python3-saml: our SP settings per tenant and IdP, SP metadata,
IdP metadata parsing, AuthnRequests and validation of the IdP's signed Response.

Nothing here touches users or the database; `sso.services.saml_login` decides who signs in.
See docs/adr/0021-saml-sso.md.
"""

from __future__ import annotations

import base64
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any
from urllib.parse import urlsplit

from cryptography import x509
from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _
from onelogin.saml2.authn_request import OneLogin_Saml2_Authn_Request
from onelogin.saml2.constants import OneLogin_Saml2_Constants
from onelogin.saml2.errors import OneLogin_Saml2_ValidationError
from onelogin.saml2.idp_metadata_parser import OneLogin_Saml2_IdPMetadataParser
from onelogin.saml2.response import OneLogin_Saml2_Response
from onelogin.saml2.settings import OneLogin_Saml2_Settings
from onelogin.saml2.utils import OneLogin_Saml2_Utils

from sso.errors import SamlLoginRefused, SsoError
from sso.models import IdentityProvider

_PEM_BLOCK = re.compile(r"-----BEGIN CERTIFICATE-----(.+?)-----END CERTIFICATE-----", re.DOTALL)

# python3-saml validation codes -> our stable reasons (audit trail, tests, messages).
_REASONS: dict[int, str] = {
    OneLogin_Saml2_ValidationError.INVALID_SIGNATURE: "invalid_signature",
    OneLogin_Saml2_ValidationError.NO_SIGNATURE_FOUND: "unsigned",
    OneLogin_Saml2_ValidationError.NO_SIGNED_ASSERTION: "unsigned",
    OneLogin_Saml2_ValidationError.ASSERTION_EXPIRED: "expired",
    OneLogin_Saml2_ValidationError.ASSERTION_TOO_EARLY: "not_yet_valid",
    OneLogin_Saml2_ValidationError.SESSION_EXPIRED: "expired",
    OneLogin_Saml2_ValidationError.WRONG_SUBJECTCONFIRMATION: "subject_confirmation",
    OneLogin_Saml2_ValidationError.WRONG_AUDIENCE: "wrong_audience",
    OneLogin_Saml2_ValidationError.WRONG_ISSUER: "wrong_issuer",
    OneLogin_Saml2_ValidationError.WRONG_DESTINATION: "wrong_destination",
    OneLogin_Saml2_ValidationError.WRONG_INRESPONSETO: "wrong_in_response_to",
    OneLogin_Saml2_ValidationError.STATUS_CODE_IS_NOT_SUCCESS: "idp_status",
}


@dataclass(frozen=True)
class SpUrls:
    entity_id: str
    acs_url: str
    metadata_url: str


@dataclass(frozen=True)
class ParsedMetadata:
    entity_id: str
    sso_url: str
    certificates: list[str]


@dataclass(frozen=True)
class AuthnRequest:
    redirect_url: str
    request_id: str


@dataclass(frozen=True)
class ValidatedAssertion:
    name_id: str
    attributes: dict[str, list[str]]
    assertion_id: str
    in_response_to: str | None
    not_on_or_after: datetime | None
    session_index: str | None = None


def public_base_url(host: str) -> str:
    """The tenant's public origin, as the IdP sees it (the same rule as invitation links)."""
    host = host.split(":")[0]
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}"


def sp_urls(*, host: str, kind: str) -> SpUrls:
    base = public_base_url(host)
    metadata = base + reverse("sso:saml_metadata", kwargs={"kind": kind})
    return SpUrls(
        # The metadata URL doubles as the SP entity ID, as Entra ID and Google suggest.
        entity_id=metadata,
        acs_url=base + reverse("sso:saml_acs", kwargs={"kind": kind}),
        metadata_url=metadata,
    )


def _sp_settings(urls: SpUrls) -> dict[str, Any]:
    return {
        "entityId": urls.entity_id,
        "assertionConsumerService": {
            "url": urls.acs_url,
            "binding": OneLogin_Saml2_Constants.BINDING_HTTP_POST,
        },
        "NameIDFormat": OneLogin_Saml2_Constants.NAMEID_UNSPECIFIED,
        "x509cert": "",
        "privateKey": "",
    }


_SECURITY: dict[str, Any] = {
    "authnRequestsSigned": False,
    "wantMessagesSigned": False,
    # Entra ID signs the assertion by default; Google signs it too. A signed Response without
    # a signed assertion is refused, which closes XML signature wrapping via the assertion.
    "wantAssertionsSigned": True,
    "wantNameId": True,
    "wantAttributeStatement": False,
    # Asking for PasswordProtectedTransport breaks logins done with MFA or passkeys.
    "requestedAuthnContext": False,
    "rejectDeprecatedAlgorithm": True,
    "signatureAlgorithm": OneLogin_Saml2_Constants.RSA_SHA256,
    "digestAlgorithm": OneLogin_Saml2_Constants.SHA256,
}


def saml_settings(provider: IdentityProvider, *, host: str) -> OneLogin_Saml2_Settings:
    certificates = certificates_parse(provider.x509_cert)
    idp: dict[str, Any] = {
        "entityId": provider.entity_id,
        "singleSignOnService": {
            "url": provider.sso_url,
            "binding": OneLogin_Saml2_Constants.BINDING_HTTP_REDIRECT,
        },
        "x509cert": certificates[0] if certificates else "",
    }
    if len(certificates) > 1:
        idp["x509certMulti"] = {"signing": certificates}
    data = {
        "strict": True,
        "debug": False,
        "sp": _sp_settings(sp_urls(host=host, kind=provider.kind)),
        "idp": idp,
        "security": dict(_SECURITY),
    }
    return OneLogin_Saml2_Settings(data)


def sp_metadata_xml(*, host: str, kind: str) -> str:
    """Our SP metadata for one IdP kind, to upload into Google Admin or Entra ID."""
    data = {
        "strict": True,
        "sp": _sp_settings(sp_urls(host=host, kind=kind)),
        "security": dict(_SECURITY),
    }
    sp_settings = OneLogin_Saml2_Settings(data, sp_validation_only=True)
    metadata = sp_settings.get_sp_metadata()
    errors = sp_settings.validate_metadata(metadata)
    if errors:
        raise SsoError(
            _("Não foi possível gerar os metadados do SP: %(errors)s")
            % {"errors": ", ".join(errors)}
        )
    return metadata.decode() if isinstance(metadata, bytes) else str(metadata)


def certificates_parse(text: str) -> list[str]:
    """Accepts PEM blocks or a bare base64 DER (as metadata carries it); returns base64 DER
    strings, each checked to be an X.509 certificate."""
    text = (text or "").strip()
    if not text:
        return []
    blocks = _PEM_BLOCK.findall(text) or [text]
    certificates: list[str] = []
    for block in blocks:
        der_b64 = "".join(block.split())
        try:
            x509.load_der_x509_certificate(base64.b64decode(der_b64, validate=True))
        except ValueError as error:
            raise SsoError(_("Certificado X.509 inválido."), field="x509_cert") from error
        certificates.append(der_b64)
    return certificates


def certificates_pem(certificates: list[str]) -> str:
    return "\n".join(
        OneLogin_Saml2_Utils.format_cert(cert, heads=True).strip() for cert in certificates
    )


def metadata_parse(xml: str) -> ParsedMetadata:
    """Reads entity ID, Redirect-binding SSO URL and signing certificates from IdP metadata."""
    try:
        data = OneLogin_Saml2_IdPMetadataParser.parse(xml)
    except Exception as error:  # lxml and the parser raise many types for bad input
        raise SsoError(
            _("O arquivo não é um XML de metadados SAML válido."), field="metadata_file"
        ) from error
    idp = data.get("idp") or {}
    entity_id = idp.get("entityId") or ""
    sso_url = (idp.get("singleSignOnService") or {}).get("url") or ""
    multi = (idp.get("x509certMulti") or {}).get("signing") or []
    raw_certs = multi or ([idp["x509cert"]] if idp.get("x509cert") else [])
    if not entity_id or not sso_url or not raw_certs:
        raise SsoError(
            _(
                "Os metadados não trazem entity ID, URL de login (HTTP-Redirect) e certificado "
                "de assinatura do IdP."
            ),
            field="metadata_file",
        )
    certificates = certificates_parse(
        "\n".join(
            f"-----BEGIN CERTIFICATE-----\n{cert}\n-----END CERTIFICATE-----" for cert in raw_certs
        )
    )
    return ParsedMetadata(entity_id=entity_id, sso_url=sso_url, certificates=certificates)


def _request_data(acs_url: str, post: dict[str, str]) -> dict[str, Any]:
    # Built from our public ACS URL rather than from the proxied request, so Destination and
    # Recipient checks compare against what the SP metadata published.
    parts = urlsplit(acs_url)
    return {
        "https": "on" if parts.scheme == "https" else "off",
        "http_host": parts.netloc,
        "script_name": parts.path,
        "get_data": {},
        "post_data": post,
    }


def authn_request_build(provider: IdentityProvider, *, host: str, relay_state: str) -> AuthnRequest:
    sp_settings = saml_settings(provider, host=host)
    request = OneLogin_Saml2_Authn_Request(sp_settings, set_nameid_policy=True)
    url = OneLogin_Saml2_Utils.redirect(
        provider.sso_url,
        {"SAMLRequest": request.get_request(), "RelayState": relay_state},
        True,
    )
    return AuthnRequest(redirect_url=url, request_id=request.get_id())


def response_validate(
    provider: IdentityProvider, *, host: str, saml_response: str
) -> ValidatedAssertion:
    """Checks signature, issuer, audience, destination, recipient and validity window.

    InResponseTo is checked by the caller against the requests it has pending (a store on the
    server, because the browser's SameSite=Lax session cookie does not come with the IdP's
    cross-site POST).
    """
    sp_settings = saml_settings(provider, host=host)
    urls = sp_urls(host=host, kind=provider.kind)
    refused = _("O login pelo provedor de identidade foi recusado.")
    try:
        response = OneLogin_Saml2_Response(sp_settings, saml_response)
    except Exception as error:  # malformed base64 or XML, DTDs, entity expansion…
        raise SamlLoginRefused(refused, reason="malformed") from error
    try:
        response.is_valid(
            _request_data(urls.acs_url, {"SAMLResponse": saml_response}),
            None,
            raise_exceptions=True,
        )
    except OneLogin_Saml2_ValidationError as error:
        raise SamlLoginRefused(refused, reason=_REASONS.get(error.code, "invalid")) from error
    except Exception as error:
        raise SamlLoginRefused(refused, reason="invalid") from error
    name_id = response.get_nameid() or ""
    assertion_id = response.get_assertion_id() or ""
    if not name_id or not assertion_id:
        raise SamlLoginRefused(refused, reason="invalid")
    timestamp = response.get_assertion_not_on_or_after()
    return ValidatedAssertion(
        name_id=name_id,
        attributes={
            name: [str(v) for v in values]
            for name, values in (response.get_attributes() or {}).items()
        },
        assertion_id=assertion_id,
        in_response_to=response.get_in_response_to(),
        not_on_or_after=datetime.fromtimestamp(timestamp, tz=UTC) if timestamp else None,
        session_index=response.get_session_index(),
    )

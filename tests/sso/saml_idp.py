"""A test identity provider: its own RSA key and self-signed certificate, and signed SAML 2.0
Responses built the way Entra ID and Google send them (assertion signed, RSA-SHA256)."""

from __future__ import annotations

import base64
import uuid
import zlib
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from urllib.parse import parse_qs, urlsplit
from xml.sax.saxutils import escape, quoteattr

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from onelogin.saml2.utils import OneLogin_Saml2_Utils

ENTITY_ID = "https://sts.windows.net/aaaabbbb-0000-cccc-1111-dddd2222eeee/"
SSO_URL = "https://login.microsoftonline.com/aaaabbbb-0000-cccc-1111-dddd2222eeee/saml2"
CLAIMS = "http://schemas.xmlsoap.org/ws/2005/05/identity/claims"
ROLE_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/role"
GROUPS_CLAIM = "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups"
NAME_CLAIM = "http://schemas.microsoft.com/identity/claims/displayname"
EMAIL_CLAIM = f"{CLAIMS}/emailaddress"


@dataclass(frozen=True)
class KeyPair:
    key_pem: str
    cert_pem: str

    @property
    def cert_base64(self) -> str:
        return "".join(line for line in self.cert_pem.splitlines() if "CERTIFICATE" not in line)


def key_pair_generate(common_name: str) -> KeyPair:
    key = rsa.generate_private_key(public_exponent=65537, key_size=2048)
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, common_name)])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=365))
        .sign(key, hashes.SHA256())
    )
    return KeyPair(
        key_pem=key.private_bytes(
            serialization.Encoding.PEM,
            serialization.PrivateFormat.PKCS8,
            serialization.NoEncryption(),
        ).decode(),
        cert_pem=cert.public_bytes(serialization.Encoding.PEM).decode(),
    )


def _instant(moment: datetime) -> str:
    return moment.astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def _attributes(attributes: dict[str, list[str]]) -> str:
    if not attributes:
        return ""
    items = "".join(
        f"<saml:Attribute Name={quoteattr(name)}>"
        + "".join(f"<saml:AttributeValue>{escape(v)}</saml:AttributeValue>" for v in values)
        + "</saml:Attribute>"
        for name, values in attributes.items()
    )
    return f"<saml:AttributeStatement>{items}</saml:AttributeStatement>"


def response_build(
    *,
    keys: KeyPair,
    acs_url: str,
    audience: str,
    name_id: str,
    attributes: dict[str, list[str]] | None = None,
    in_response_to: str | None = None,
    issuer: str = ENTITY_ID,
    issued_at: datetime | None = None,
    valid_for: timedelta = timedelta(minutes=5),
    assertion_id: str | None = None,
    tamper: bool = False,
) -> str:
    """A base64 SAML Response whose assertion is signed with `keys`."""
    issued = issued_at or datetime.now(UTC)
    not_on_or_after = _instant(issued + valid_for)
    irt = f" InResponseTo={quoteattr(in_response_to)}" if in_response_to else ""
    assertion_id = assertion_id or f"_{uuid.uuid4().hex}"
    assertion = (
        f'<saml:Assertion xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="{assertion_id}" Version="2.0" IssueInstant="{_instant(issued)}">'
        f"<saml:Issuer>{escape(issuer)}</saml:Issuer>"
        "<saml:Subject>"
        '<saml:NameID Format="urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress">'
        f"{escape(name_id)}</saml:NameID>"
        '<saml:SubjectConfirmation Method="urn:oasis:names:tc:SAML:2.0:cm:bearer">'
        f'<saml:SubjectConfirmationData{irt} NotOnOrAfter="{not_on_or_after}" '
        f"Recipient={quoteattr(acs_url)}/>"
        "</saml:SubjectConfirmation></saml:Subject>"
        f'<saml:Conditions NotBefore="{_instant(issued - timedelta(minutes=1))}" '
        f'NotOnOrAfter="{not_on_or_after}">'
        f"<saml:AudienceRestriction><saml:Audience>{escape(audience)}</saml:Audience>"
        "</saml:AudienceRestriction></saml:Conditions>"
        f'<saml:AuthnStatement AuthnInstant="{_instant(issued)}" SessionIndex="_{uuid.uuid4().hex}">'
        "<saml:AuthnContext><saml:AuthnContextClassRef>"
        "urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport"
        "</saml:AuthnContextClassRef></saml:AuthnContext></saml:AuthnStatement>"
        f"{_attributes(attributes or {})}"
        "</saml:Assertion>"
    )
    signed = OneLogin_Saml2_Utils.add_sign(assertion, keys.key_pem, keys.cert_pem)
    signed_text = signed.decode() if isinstance(signed, bytes) else str(signed)
    if signed_text.startswith("<?xml"):
        signed_text = signed_text.split("?>", 1)[1]
    if tamper:
        # Changes the signed content after signing: the digest no longer matches.
        signed_text = signed_text.replace(escape(name_id), "intruso@atacante.example")
    response = (
        '<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol" '
        'xmlns:saml="urn:oasis:names:tc:SAML:2.0:assertion" '
        f'ID="_{uuid.uuid4().hex}" Version="2.0" IssueInstant="{_instant(issued)}" '
        f"Destination={quoteattr(acs_url)}{irt}>"
        f"<saml:Issuer>{escape(issuer)}</saml:Issuer>"
        '<samlp:Status><samlp:StatusCode Value="urn:oasis:names:tc:SAML:2.0:status:Success"/>'
        "</samlp:Status>"
        f"{signed_text}"
        "</samlp:Response>"
    )
    return base64.b64encode(response.encode()).decode()


def authn_request_id(redirect_url: str) -> str:
    """The ID of the AuthnRequest carried (deflated, base64) in an HTTP-Redirect URL."""
    query = parse_qs(urlsplit(redirect_url).query)
    xml = zlib.decompress(base64.b64decode(query["SAMLRequest"][0]), -15).decode()
    start = xml.index(' ID="') + 5
    return xml[start : xml.index('"', start)]

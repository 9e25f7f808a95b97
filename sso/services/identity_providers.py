"""Configuring a tenant's SAML identity providers (6.5.23.1), each change audited."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from security.actors import Actor
from security.audit import audit_record
from sso import saml
from sso.errors import SsoError
from sso.models import IdentityProvider, IdentityProviderKind

# Sensible starting attribute names: Entra ID's claim URIs, and the names an admin usually gives
# the attributes in Google Admin's "Attribute mapping" step.
DEFAULT_ATTRIBUTES: dict[str, dict[str, str]] = {
    IdentityProviderKind.MICROSOFT: {
        "attribute_email": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/emailaddress",
        "attribute_full_name": "http://schemas.microsoft.com/identity/claims/displayname",
        "attribute_first_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/givenname",
        "attribute_last_name": "http://schemas.xmlsoap.org/ws/2005/05/identity/claims/surname",
        "attribute_role": "http://schemas.microsoft.com/ws/2008/06/identity/claims/role",
        "attribute_team": "http://schemas.microsoft.com/ws/2008/06/identity/claims/groups",
    },
    IdentityProviderKind.GOOGLE: {
        "attribute_email": "",
        "attribute_full_name": "",
        "attribute_first_name": "first_name",
        "attribute_last_name": "last_name",
        "attribute_role": "role",
        "attribute_team": "team",
    },
}

_EDITABLE = [
    "enabled",
    "entity_id",
    "sso_url",
    "x509_cert",
    "attribute_email",
    "attribute_full_name",
    "attribute_first_name",
    "attribute_last_name",
    "attribute_role",
    "attribute_team",
    "role_mapping",
    "default_role",
    "create_users",
    "link_by_email",
    "allow_idp_initiated",
]


def _snapshot(provider: IdentityProvider) -> dict[str, Any]:
    data = {name: getattr(provider, name) for name in _EDITABLE}
    # The certificate itself is public, but long; its fingerprint-sized start is enough here.
    data["x509_cert"] = (provider.x509_cert or "")[:80]
    return data


def identity_provider_get(*, kind: str) -> IdentityProvider:
    """The tenant's provider of this kind, or an unsaved one with default attribute names."""
    if kind not in IdentityProviderKind.values:
        raise SsoError(_("Provedor de identidade desconhecido."))
    provider = IdentityProvider.objects.filter(kind=kind).first()
    if provider is None:
        provider = IdentityProvider(kind=kind, **DEFAULT_ATTRIBUTES[kind])
    return provider


def role_mapping_parse(text: str) -> dict[str, str]:
    """`valor do IdP = papel`, one per line, into a mapping; every role must exist."""
    mapping: dict[str, str] = {}
    for number, raw in enumerate((text or "").splitlines(), start=1):
        line = raw.strip()
        if not line or line.startswith("#"):
            continue
        value, sep, role = line.rpartition("=")
        value, role = value.strip(), role.strip().lower()
        if not sep or not value:
            raise SsoError(
                _("Linha %(n)d: use o formato “valor = papel”.") % {"n": number},
                field="role_mapping",
            )
        if role not in Role.values:
            raise SsoError(
                _("Linha %(n)d: papel desconhecido “%(role)s”.") % {"n": number, "role": role},
                field="role_mapping",
            )
        mapping[value] = role
    return mapping


def role_mapping_format(mapping: dict[str, str]) -> str:
    return "\n".join(f"{value} = {role}" for value, role in mapping.items())


@dataclass(frozen=True)
class ProviderInput:
    enabled: bool
    entity_id: str
    sso_url: str
    x509_cert: str
    attribute_email: str
    attribute_full_name: str
    attribute_first_name: str
    attribute_last_name: str
    attribute_role: str
    attribute_team: str
    role_mapping: dict[str, str]
    default_role: str
    create_users: bool
    link_by_email: bool
    allow_idp_initiated: bool


def identity_provider_save(
    *, actor: Actor, kind: str, data: ProviderInput, metadata_xml: str = ""
) -> IdentityProvider:
    """Saves the provider. Uploaded IdP metadata, when given, fills entity ID, SSO URL and
    certificate over what was typed."""
    provider = identity_provider_get(kind=kind)
    before = _snapshot(provider) if provider.pk else None
    values: dict[str, Any] = {name: getattr(data, name) for name in _EDITABLE}
    if metadata_xml.strip():
        parsed = saml.metadata_parse(metadata_xml)
        values["entity_id"] = parsed.entity_id
        values["sso_url"] = parsed.sso_url
        values["x509_cert"] = saml.certificates_pem(parsed.certificates)
        provider.metadata_xml = metadata_xml
    else:
        certificates = saml.certificates_parse(values["x509_cert"])
        values["x509_cert"] = saml.certificates_pem(certificates)
    if values["default_role"] not in Role.values:
        raise SsoError(_("Papel padrão desconhecido."), field="default_role")
    for name, value in values.items():
        setattr(provider, name, value.strip() if isinstance(value, str) else value)
    if provider.enabled and not provider.is_configured:
        raise SsoError(
            _(
                "Para ativar, informe entity ID, URL de login e certificado do IdP "
                "(ou envie o XML de metadados)."
            )
        )
    with transaction.atomic():
        provider.save()
        audit_record(
            actor=actor,
            action="sso.provider_save",
            target=provider,
            before=before,
            after=_snapshot(provider),
        )
    return provider


def identity_providers_enabled() -> list[IdentityProvider]:
    return [
        provider
        for provider in IdentityProvider.objects.filter(enabled=True)
        if provider.is_configured
    ]

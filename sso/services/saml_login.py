"""Signing in with SAML: start at the IdP, then accept its signed Response and decide who the
person is here (linked identity, e-mail link or just-in-time creation), with roles and teams
mapped from the assertion's attributes (6.5.23.1)."""

from __future__ import annotations

from dataclasses import replace
from datetime import timedelta
from typing import Any

from django.core.cache import cache
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from security.audit import audit_record
from sso import saml
from sso.errors import SamlLoginRefused
from sso.models import IdentityProvider, SamlAssertionSeen, SamlIdentity
from sso.services.directory import profile_for, role_assign, role_strongest

# An AuthnRequest we sent stays answerable for this long.
PENDING_REQUEST_SECONDS = 600
# Kept at least this long when an assertion carries no NotOnOrAfter of its own.
_SEEN_MINIMUM = timedelta(hours=24)


def _pending_key(provider: IdentityProvider, request_id: str) -> str:
    return f"sso:saml:pending:{provider.pk}:{request_id}"


def saml_login_start(*, provider: IdentityProvider, host: str, next_url: str) -> str:
    """Returns the IdP URL to send the browser to; remembers the request ID server-side."""
    request = saml.authn_request_build(provider, host=host, relay_state=next_url)
    cache.set(_pending_key(provider, request.request_id), 1, timeout=PENDING_REQUEST_SECONDS)
    return request.redirect_url


def _first(attributes: dict[str, list[str]], name: str) -> str:
    values = attributes.get(name) if name else None
    return values[0].strip() if values else ""


def _refuse(reason: str, message: str | None = None) -> SamlLoginRefused:
    return SamlLoginRefused(
        message or _("O login pelo provedor de identidade foi recusado."), reason=reason
    )


def _assertion_consume(provider: IdentityProvider, assertion: saml.ValidatedAssertion) -> None:
    """Records the assertion ID in its own transaction, so even a login refused later cannot
    be retried with the same assertion."""
    now = timezone.now()
    expires_at = max(assertion.not_on_or_after or now, now) + _SEEN_MINIMUM
    try:
        with transaction.atomic():
            SamlAssertionSeen.objects.filter(expires_at__lt=now).delete()
            SamlAssertionSeen.objects.create(
                provider=provider, assertion_id=assertion.assertion_id, expires_at=expires_at
            )
    except IntegrityError as error:
        raise _refuse("replay") from error


def _request_check(provider: IdentityProvider, assertion: saml.ValidatedAssertion) -> None:
    if assertion.in_response_to:
        # delete() tells whether the key existed: each request is answered at most once.
        if not cache.delete(_pending_key(provider, assertion.in_response_to)):
            raise _refuse("unknown_request")
    elif not provider.allow_idp_initiated:
        raise _refuse("unsolicited")


def _mapped_role(provider: IdentityProvider, attributes: dict[str, list[str]]) -> Role | None:
    if not provider.attribute_role:
        return None
    values = attributes.get(provider.attribute_role) or []
    mapping = {key.casefold(): role for key, role in (provider.role_mapping or {}).items()}
    return role_strongest(
        {mapping[v.strip().casefold()] for v in values if v.strip().casefold() in mapping}
    )


def _full_name(provider: IdentityProvider, attributes: dict[str, list[str]]) -> str:
    full = _first(attributes, provider.attribute_full_name)
    if full:
        return full
    parts = [
        _first(attributes, provider.attribute_first_name),
        _first(attributes, provider.attribute_last_name),
    ]
    return " ".join(part for part in parts if part)


def _snapshot(user: User) -> dict[str, Any]:
    profile = getattr(user, "identity_profile", None)
    return {
        "email": user.email,
        "full_name": user.full_name,
        "role": user.role,
        "teams": list(profile.teams) if profile else [],
    }


def _user_resolve(
    provider: IdentityProvider,
    assertion: saml.ValidatedAssertion,
    actor: Actor,
    email: str,
    full_name: str,
    role: Role | None,
) -> tuple[User, str]:
    identity = (
        SamlIdentity.objects.select_related("user")
        .filter(provider=provider, name_id=assertion.name_id)
        .first()
    )
    if identity is not None:
        return identity.user, "identity"
    user = User.objects.filter(email__iexact=email).first() if email else None
    if user is not None and provider.link_by_email:
        SamlIdentity.objects.create(provider=provider, name_id=assertion.name_id, user=user)
        audit_record(
            actor=replace(actor, user_id=user.pk, label=user.email),
            action="sso.identity_link",
            target=user,
            after={"provider": provider.kind, "name_id": assertion.name_id},
        )
        return user, "link"
    if user is not None or not provider.create_users:
        raise _refuse(
            "unknown_user",
            _("Seu usuário não está habilitado neste órgão. Procure o administrador."),
        )
    try:
        validate_email(email)
    except ValidationError as error:
        raise _refuse("no_email") from error
    user = User.objects.create_user(email=email, full_name=full_name or email.split("@")[0])
    role_assign(user, role or Role(provider.default_role))
    SamlIdentity.objects.create(provider=provider, name_id=assertion.name_id, user=user)
    audit_record(
        actor=replace(actor, user_id=user.pk, label=user.email),
        action="sso.user_create",
        target=user,
        after={**_snapshot(user), "provider": provider.kind},
    )
    return user, "create"


def saml_login_complete(
    *, provider: IdentityProvider, host: str, saml_response: str, actor: Actor
) -> User:
    """Validates the IdP's Response and returns the user to sign in, or raises
    SamlLoginRefused (recorded in the audit trail with its reason)."""
    name_id = ""
    try:
        if not provider.enabled or not provider.is_configured:
            raise _refuse("disabled")
        assertion = saml.response_validate(provider, host=host, saml_response=saml_response)
        name_id = assertion.name_id
        _assertion_consume(provider, assertion)
        _request_check(provider, assertion)
        attributes = assertion.attributes
        email = (_first(attributes, provider.attribute_email) or assertion.name_id).lower()
        full_name = _full_name(provider, attributes)
        role = _mapped_role(provider, attributes)
        with transaction.atomic():
            user, how = _user_resolve(provider, assertion, actor, email, full_name, role)
            if not user.is_active:
                raise _refuse("inactive", _("Seu usuário está desativado."))
            user_actor = replace(actor, user_id=user.pk, label=user.email)
            before = _snapshot(user)
            if how != "create":
                if full_name and full_name != user.full_name:
                    user.full_name = full_name[:150]
                    user.save(update_fields=["full_name"])
                if role is not None:
                    role_assign(user, role)
            if provider.attribute_team:
                profile = profile_for(user)
                teams = sorted(
                    {v.strip() for v in attributes.get(provider.attribute_team, []) if v.strip()}
                )
                if teams != profile.teams:
                    profile.teams = teams
                    profile.save(update_fields=["teams", "updated_at"])
                user.identity_profile = profile
            after = _snapshot(user)
            if how != "create" and after != before:
                audit_record(
                    actor=user_actor,
                    action="sso.user_update",
                    target=user,
                    before=before,
                    after=after,
                )
            SamlIdentity.objects.filter(provider=provider, name_id=assertion.name_id).update(
                last_login_at=timezone.now()
            )
            audit_record(
                actor=user_actor,
                action="sso.login",
                target=user,
                after={"provider": provider.kind, "name_id": assertion.name_id},
            )
        return user
    except SamlLoginRefused as error:
        with transaction.atomic():
            audit_record(
                actor=actor,
                action="sso.login_refused",
                object_type="sso.identityprovider",
                object_id=str(provider.pk or ""),
                object_repr=provider.kind,
                after={"provider": provider.kind, "reason": error.reason, "name_id": name_id},
            )
        raise

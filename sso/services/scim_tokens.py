"""The tenant's SCIM bearer tokens: created by an admin on a screen, shown once, kept hashed."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from accounts.tokens import new_secret, secret_hash
from security.actors import Actor
from security.audit import audit_record
from sso.errors import SsoError
from sso.models import ScimToken

TOKEN_PREFIX = "scim_"  # noqa: S105 - a public marker, not a secret


@dataclass(frozen=True)
class IssuedScimToken:
    token: str
    scim_token: ScimToken


def scim_token_create(*, actor: Actor, name: str, created_by: User | None) -> IssuedScimToken:
    name = (name or "").strip()
    if not name:
        raise SsoError(_("Dê um nome ao token (por exemplo, “Entra ID produção”)."), field="name")
    prefix = secrets.token_hex(4)
    token = f"{TOKEN_PREFIX}{prefix}_{new_secret(30)}"
    with transaction.atomic():
        scim_token = ScimToken.objects.create(
            name=name[:100], prefix=prefix, token_hash=secret_hash(token), created_by=created_by
        )
        audit_record(
            actor=actor,
            action="scim_token.create",
            target=scim_token,
            after={"name": scim_token.name, "prefix": prefix},
        )
    return IssuedScimToken(token=token, scim_token=scim_token)


def scim_token_revoke(*, actor: Actor, scim_token: ScimToken) -> None:
    with transaction.atomic():
        scim_token.revoked_at = timezone.now()
        scim_token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="scim_token.revoke", target=scim_token)


def scim_token_authenticate(token: str) -> ScimToken | None:
    """The live token of the current schema; another tenant's token does not exist here."""
    if not token.startswith(TOKEN_PREFIX):
        return None
    scim_token = ScimToken.objects.filter(
        token_hash=secret_hash(token), revoked_at__isnull=True
    ).first()
    if scim_token is None:
        return None
    now = timezone.now()
    if scim_token.last_used_at is None or now - scim_token.last_used_at > timedelta(minutes=1):
        ScimToken.objects.filter(pk=scim_token.pk).update(last_used_at=now)
    return scim_token

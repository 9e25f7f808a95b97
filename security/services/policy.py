"""Changing the tenant's security policy, audited with before and after (secrets redacted)."""

from __future__ import annotations

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.roles import Role
from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.models import SecurityPolicy

# Fields an admin edits on the policy screen; everything else is bookkeeping.
EDITABLE_FIELDS = (
    "password_min_length",
    "password_require_lowercase",
    "password_require_uppercase",
    "password_require_digit",
    "password_require_symbol",
    "password_history",
    "password_expiry_days",
    "lockout_failures",
    "lockout_window_minutes",
    "lockout_scope",
    "lockout_duration_minutes",
    "captcha_enabled",
    "captcha_after_failures",
    "recaptcha_site_key",
    "recaptcha_secret_key",
    "two_factor_roles",
    "idle_timeout_minutes",
    "mask_cpf",
    "mask_email",
    "mask_phone",
)
SECRET_FIELDS = frozenset({"recaptcha_secret_key"})
REDACTED = "(definida)"


def policy_snapshot(policy: SecurityPolicy) -> dict[str, Any]:
    """The policy as the audit log shows it: secrets only say whether they are set."""
    snapshot: dict[str, Any] = {}
    for name in EDITABLE_FIELDS:
        value = getattr(policy, name)
        snapshot[name] = (REDACTED if value else "") if name in SECRET_FIELDS else value
    return snapshot


def policy_update(*, actor: Actor, changes: dict[str, Any]) -> SecurityPolicy:
    """Applies `changes` (field → value) to the policy. A blank secret keeps the stored one, so
    the screen never has to show it back."""
    unknown = set(changes) - set(EDITABLE_FIELDS)
    if unknown:
        raise SecurityError(_("Campo desconhecido: %(field)s.") % {"field": sorted(unknown)[0]})
    with transaction.atomic():
        stored = (
            SecurityPolicy.objects.select_for_update()
            .filter(pk=SecurityPolicy.SINGLETON_ID)
            .first()
        )
        policy = stored or SecurityPolicy(pk=SecurityPolicy.SINGLETON_ID)
        before = policy_snapshot(policy)
        for name, value in changes.items():
            if name in SECRET_FIELDS and not value:
                continue
            setattr(policy, name, value)
        _check(policy)
        after = policy_snapshot(policy)
        if after == before and stored is not None:
            return policy
        policy.save()
        audit_record(
            actor=actor, action="security_policy.update", target=policy, before=before, after=after
        )
    return policy


def _check(policy: SecurityPolicy) -> None:
    try:
        policy.full_clean(exclude=["id"])
    except ValidationError as error:
        field, messages = next(iter(error.message_dict.items()))
        raise SecurityError(messages[0], field=field) from error
    roles = policy.two_factor_roles
    if not isinstance(roles, list) or any(role not in Role.values for role in roles):
        raise SecurityError(_("Papel desconhecido na regra de 2FA."), field="two_factor_roles")
    if policy.captcha_enabled and not (policy.recaptcha_site_key and policy.recaptcha_secret_key):
        raise SecurityError(
            _("Para exigir o reCAPTCHA, informe a chave do site e a chave secreta."),
            field="recaptcha_site_key",
        )
    if policy.captcha_enabled and policy.captcha_after_failures >= policy.lockout_failures:
        raise SecurityError(
            _(
                "O reCAPTCHA deve ser exigido antes do bloqueio: use menos tentativas que o "
                "limite de bloqueio (%(limit)d)."
            )
            % {"limit": policy.lockout_failures},
            field="captcha_after_failures",
        )

"""A signed-in user changes their own password (6.5.59), under the tenant's policy (6.5.23.4)."""

from __future__ import annotations

from datetime import timedelta

from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from accounts.models import User
from security import clock
from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.models import SecurityPolicy
from security.selectors import password_changed_at


def password_change(*, actor: Actor, user: User, current_password: str, new_password: str) -> User:
    if not user.check_password(current_password or ""):
        raise SecurityError(_("A senha atual está incorreta."), field="current_password")
    try:
        validate_password(new_password or "", user)
    except ValidationError as error:
        raise SecurityError(" ".join(error.messages), field="new_password") from error
    with transaction.atomic():
        user.set_password(new_password)
        # Saving runs the validators' `password_changed` hook, which records the history.
        user.save(update_fields=["password"])
        audit_record(actor=actor, action="user.password_change", target=user)
    return user


def password_expired(*, user: User, policy: SecurityPolicy) -> bool:
    """True when the policy sets an expiry and the user's password is older than it.

    A user with no recorded change (created before the history existed) counts from the day
    they joined, so turning expiry on does reach them."""
    if not policy.password_expiry_days or not user.has_usable_password():
        return False
    changed = password_changed_at(user) or user.date_joined
    return clock.now() - changed >= timedelta(days=policy.password_expiry_days)

"""Password validators that read the tenant's policy (6.5.23.4).

They are ordinary entries of AUTH_PASSWORD_VALIDATORS, so every place that sets a password
through Django's `validate_password` applies the policy: the invitation (6.5.23.3), the user's
own change screen (6.5.59) and the forced change after expiry. `password_changed` is Django's
hook after a password is saved; it keeps the history the history rule and expiry read.
"""

from __future__ import annotations

import string
from typing import Any

from django.contrib.auth.hashers import check_password
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from security.models import PasswordHistory, SecurityPolicy

# Rows kept per user: the longest history a policy may ask for.
HISTORY_KEPT = 12


def _policy() -> SecurityPolicy:
    from security.selectors import policy_get

    return policy_get()


class PolicyMinimumLengthValidator:
    def validate(self, password: str, user: Any = None) -> None:
        minimum = _policy().password_min_length
        if len(password) < minimum:
            raise ValidationError(
                ngettext(
                    "Esta senha é muito curta: use pelo menos %(min_length)d caractere.",
                    "Esta senha é muito curta: use pelo menos %(min_length)d caracteres.",
                    minimum,
                )
                % {"min_length": minimum},
                code="password_too_short",
                params={"min_length": minimum},
            )

    def get_help_text(self) -> str:
        minimum = _policy().password_min_length
        return ngettext(
            "Pelo menos %(min_length)d caractere.",
            "Pelo menos %(min_length)d caracteres.",
            minimum,
        ) % {"min_length": minimum}


def _character_classes(policy: SecurityPolicy) -> list[tuple[str, Any]]:
    classes: list[tuple[str, Any]] = []
    if policy.password_require_lowercase:
        classes.append((_("uma letra minúscula"), str.islower))
    if policy.password_require_uppercase:
        classes.append((_("uma letra maiúscula"), str.isupper))
    if policy.password_require_digit:
        classes.append((_("um número"), str.isdigit))
    if policy.password_require_symbol:
        classes.append(
            (
                _("um símbolo (por exemplo ! @ # $ %)"),
                lambda char: char in string.punctuation or char.isspace(),
            )
        )
    return classes


class PolicyComplexityValidator:
    """The classes of characters the policy requires: lower case, upper case, digit, symbol."""

    def validate(self, password: str, user: Any = None) -> None:
        missing = [
            label
            for label, test in _character_classes(_policy())
            if not any(test(char) for char in password)
        ]
        if missing:
            raise ValidationError(
                _("A senha precisa ter %(missing)s.") % {"missing": ", ".join(missing)},
                code="password_too_simple",
            )

    def get_help_text(self) -> str:
        labels = [label for label, _test in _character_classes(_policy())]
        if not labels:
            return ""
        return _("Pelo menos %(classes)s.") % {"classes": ", ".join(labels)}


class PasswordHistoryValidator:
    """Refuses the last N passwords, the current one included (as Windows' "enforce password
    history" counts); records each new password's hash."""

    def validate(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None:
            return
        count = _policy().password_history
        if count == 0:
            return
        hashes = list(
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-id")
            .values_list("password_hash", flat=True)[:count]
        )
        if user.has_usable_password() and user.password not in hashes:
            # Users whose current password predates the history still cannot repeat it.
            hashes = [user.password, *hashes[: count - 1]]
        if any(check_password(password, encoded) for encoded in hashes):
            raise ValidationError(
                ngettext(
                    "Esta senha já foi usada. Escolha uma diferente da senha atual.",
                    "Esta senha já foi usada. Escolha uma diferente das últimas %(count)d senhas "
                    "(incluindo a atual).",
                    count,
                )
                % {"count": count},
                code="password_reused",
            )

    def get_help_text(self) -> str:
        count = _policy().password_history
        if count == 0:
            return ""
        return ngettext(
            "Diferente da senha atual.",
            "Diferente das últimas %(count)d senhas (incluindo a atual).",
            count,
        ) % {"count": count}

    def password_changed(self, password: str, user: Any = None) -> None:
        if user is None or user.pk is None or not user.has_usable_password():
            return
        PasswordHistory.objects.create(user_id=user.pk, password_hash=user.password)
        stale = (
            PasswordHistory.objects.filter(user_id=user.pk)
            .order_by("-created_at", "-id")
            .values_list("id", flat=True)[HISTORY_KEPT:]
        )
        PasswordHistory.objects.filter(id__in=list(stale)).delete()

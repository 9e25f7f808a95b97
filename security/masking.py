"""Hiding personal data from users without permission (6.5.23.10, 6.5.23.11, 6.5.23.13).

`mask_text(text, user)` returns the text unchanged for a user with the capability
`view_sensitive_data`, and with CPFs, e-mails, phone numbers and the tenant's own patterns
replaced for everyone else. The same masker serves every door: the `|mask:user` template
filter (console, contact panel, message bodies), `MaskedSchema` for API responses, and exports.

Tenant patterns are regular expressions typed by an admin, so they run under the `regex`
module with a time limit: a pattern that backtracks for too long hides the whole text rather
than hanging the request or leaking it.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, ClassVar

import regex
from django.utils.translation import gettext as _
from ninja import Schema
from pydantic import ValidationInfo, model_validator

from core.permissions import has_capability

SENSITIVE_CAPABILITY = "view_sensitive_data"
# Seconds one tenant pattern may spend on one text.
PATTERN_TIMEOUT = 0.05

CPF_PATTERN = regex.compile(r"(?<!\d)\d{3}\.?\d{3}\.?\d{3}-?\d{2}(?!\d)")
EMAIL_PATTERN = regex.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)*\.[A-Za-z]{2,}")
# Brazilian numbers as people type them: +55 (11) 98765-4321, (11) 3456-7890, 11987654321…
# Not followed by "-<digit>", so a protocol number (20261128-000034: date, dash, sequence)
# stays readable: citizens and agents quote it to find the conversation.
PHONE_PATTERN = regex.compile(
    r"(?<![\w.])(?:\+?55[\s.-]?)?(?:\(?\d{2}\)?[\s.-]?)?9?\d{4}[\s.-]?\d{4}(?![\w]|-\d)"
)

CPF_MASK = "***.***.***-**"
PHONE_MASK = "(**) *****-****"


def _mask_email(match: regex.Match[str]) -> str:
    return f"{match.group(0)[0]}***@***"


@dataclass(frozen=True)
class CustomPattern:
    name: str
    pattern: str
    replacement: str


@dataclass(frozen=True)
class Masker:
    """The patterns of one schema, compiled once and applied in a fixed order."""

    enabled: bool
    mask_cpf: bool = True
    mask_email: bool = True
    mask_phone: bool = True
    custom: tuple[CustomPattern, ...] = ()

    def mask(self, text: Any) -> Any:
        if not self.enabled or not isinstance(text, str) or not text:
            return text
        # Built-in patterns first: whatever an admin's pattern matches afterwards, it cannot
        # split a CPF or a phone number and leave part of it readable.
        if self.mask_cpf:
            text = CPF_PATTERN.sub(CPF_MASK, text)
        if self.mask_email:
            text = EMAIL_PATTERN.sub(_mask_email, text)
        if self.mask_phone:
            text = PHONE_PATTERN.sub(PHONE_MASK, text)
        for custom in self.custom:
            try:
                text = regex.sub(
                    custom.pattern,
                    lambda _m, r=custom.replacement: r,
                    text,
                    timeout=PATTERN_TIMEOUT,
                )
            except (TimeoutError, regex.error):
                return _("[conteúdo oculto]")
        return text

    def mask_many(self, values: Iterable[Any]) -> list[Any]:
        return [self.mask(value) for value in values]


UNMASKED = Masker(enabled=False)
_USER_CACHE = "_security_masker"


def masker_build() -> Masker:
    """The masker of the current schema's policy and active custom patterns."""
    from security.selectors import masking_rule_list, policy_get

    policy = policy_get()
    custom = tuple(
        CustomPattern(name=rule.name, pattern=rule.pattern, replacement=rule.replacement)
        for rule in masking_rule_list(active_only=True)
    )
    return Masker(
        enabled=True,
        mask_cpf=policy.mask_cpf,
        mask_email=policy.mask_email,
        mask_phone=policy.mask_phone,
        custom=custom,
    )


def can_see_sensitive(user: Any) -> bool:
    return has_capability(user, SENSITIVE_CAPABILITY)


def masker_for(user: Any) -> Masker:
    """The masker that applies to `user`, built once per user object (one request)."""
    if can_see_sensitive(user):
        return UNMASKED
    cached = getattr(user, _USER_CACHE, None) if user is not None else None
    if cached is not None:
        return cached
    masker = masker_build()
    if user is not None:
        with contextlib.suppress(AttributeError):
            setattr(user, _USER_CACHE, masker)
    return masker


def mask_text(text: Any, user: Any) -> Any:
    """`text` as `user` may see it. Non-text values pass through unchanged."""
    return masker_for(user).mask(text)


def mask_for_request(text: Any, request: Any) -> Any:
    return mask_text(text, getattr(request, "user", None))


def validate_pattern(pattern: str) -> str | None:
    """The error message for an unusable pattern, or None when it compiles."""
    try:
        regex.compile(pattern)
    except regex.error as error:
        return _("Expressão regular inválida: %(error)s") % {"error": error}
    return None


class MaskedSchema(Schema):
    """A django-ninja response schema whose `masked_fields` are masked for the requesting user.

        class ContactOut(MaskedSchema):
            masked_fields = ("cpf", "email", "phone")
            name: str
            cpf: str

    django-ninja validates responses with `context={"request": request}`, which is how the
    schema learns who is asking. Without a request (schema built by hand) everything is masked.
    """

    masked_fields: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def _mask_sensitive(self, info: ValidationInfo) -> MaskedSchema:
        request = (info.context or {}).get("request")
        masker = masker_for(getattr(request, "user", None))
        for name in self.masked_fields:
            value = getattr(self, name, None)
            if isinstance(value, list):
                object.__setattr__(self, name, masker.mask_many(value))
            else:
                object.__setattr__(self, name, masker.mask(value))
        return self

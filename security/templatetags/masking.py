"""`{% load masking %}{{ contact.cpf|mask:user }}`: personal data as this user may see it."""

from __future__ import annotations

from typing import Any

from django import template

from security.masking import mask_text

register = template.Library()


@register.filter(name="mask")
def mask(value: Any, user: Any) -> Any:
    # Not marked safe: the masked text is escaped like any other variable.
    return mask_text(value, user)

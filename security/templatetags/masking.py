"""`{% load masking %}{{ contact.cpf|mask:user }}`: personal data as this user may see it."""

from __future__ import annotations

from typing import Any

from django import template
from django.db.models import Model

from security.masking import mask_text

register = template.Library()


@register.filter(name="mask")
def mask(value: Any, user: Any) -> Any:
    # A model (`{{ conversation.contact|mask:user }}`) renders as its text, which for a contact
    # without a name is the phone number: mask that text. Not marked safe: the masked text is
    # escaped like any other variable.
    if isinstance(value, Model):
        value = str(value)
    return mask_text(value, user)

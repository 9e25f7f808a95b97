from __future__ import annotations

from django import template
from django.contrib.auth.password_validation import password_validators_help_texts

register = template.Library()


@register.inclusion_tag("security/includes/password_rules.html")
def password_rules() -> dict[str, list[str]]:
    """The password rules in force in this schema, as the validators describe them."""
    return {"rules": [text for text in password_validators_help_texts() if text]}

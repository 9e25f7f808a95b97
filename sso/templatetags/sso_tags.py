"""`{% sso_login_buttons next %}` on the login page: one button per enabled IdP."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.db import connection

from sso.services.identity_providers import identity_providers_enabled

register = template.Library()


@register.inclusion_tag("sso/login_buttons.html")
def sso_login_buttons(next_url: str = "") -> dict[str, Any]:
    # The control plane's login page shares the template; it has no sso tables.
    if getattr(connection, "schema_name", "") == settings.PUBLIC_SCHEMA_NAME:
        return {"providers": [], "next": next_url}
    return {"providers": identity_providers_enabled(), "next": next_url}

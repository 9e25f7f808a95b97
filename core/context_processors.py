from __future__ import annotations

from typing import Any

from django.conf import settings
from django.db import connection
from django.http import HttpRequest


def platform(request: HttpRequest) -> dict[str, Any]:
    tenant = getattr(request, "tenant", None)
    is_public = getattr(connection, "schema_name", "public") == settings.PUBLIC_SCHEMA_NAME
    return {
        "current_tenant": None if is_public else tenant,
        "is_control_plane": is_public,
        "product_name": "Atendimento Digital",
    }

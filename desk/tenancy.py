"""The active tenant schema of the database connection (django-tenants sets it per request and
per task; typed here once instead of at every call site)."""

from __future__ import annotations

from django.db import connection


def current_schema() -> str:
    return str(getattr(connection, "schema_name", "public"))

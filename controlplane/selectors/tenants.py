from __future__ import annotations

from django.conf import settings
from django.db.models import QuerySet

from tenants.models import Tenant


def tenant_list_all_tenants() -> QuerySet[Tenant]:
    return (
        Tenant.objects.exclude(schema_name=settings.PUBLIC_SCHEMA_NAME)
        .prefetch_related("domains")
        .order_by("name")
    )

"""Analytics jobs (thin: load, call a service). The beat entry is in config/settings.py."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from analytics.export import tenant_export, tenants_exportable
from tenants.models import Tenant


@shared_task
def export_all_tenants() -> int:
    """Every ANALYTICS_EXPORT_INTERVAL_SECONDS: one export task per tenant, so tenants export
    in parallel and one slow tenant delays no other. A task not started within the interval
    expires: the next beat sends a fresh one."""
    count = 0
    for tenant_id in tenants_exportable().values_list("pk", flat=True):
        export_tenant.apply_async(
            kwargs={"tenant_id": tenant_id}, expires=settings.ANALYTICS_EXPORT_INTERVAL_SECONDS
        )
        count += 1
    return count


@shared_task
def export_tenant(*, tenant_id: int) -> int:
    """Exports what is pending for one tenant; a source another worker is exporting is
    skipped (its watermark is locked), not waited for."""
    tenant = Tenant.objects.get(pk=tenant_id)
    return sum(result.rows for result in tenant_export(tenant=tenant, wait=False))

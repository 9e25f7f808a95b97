"""Storage in use per media type (6.5.47), reported by the message pipeline."""

from __future__ import annotations

from django.db import connection

from billing.errors import BillingError
from billing.models import MediaType, StorageUsage
from tenants.models import Tenant


def _check(media_type: str) -> None:
    if media_type not in MediaType.values:
        raise BillingError(f"unknown media type {media_type!r}", field="media_type")


def storage_usage_set(*, tenant: Tenant | int, media_type: str, bytes_used: int) -> None:
    """Sets the bytes in use for a media type (from a full recount)."""
    _check(media_type)
    if bytes_used < 0:
        raise BillingError("bytes_used must not be negative", field="bytes_used")
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    StorageUsage.objects.update_or_create(
        tenant_id=tenant_id, media_type=media_type, defaults={"bytes_used": bytes_used}
    )


def storage_usage_adjust(*, tenant: Tenant | int, media_type: str, delta_bytes: int) -> None:
    """Adds (a file stored) or subtracts (a file removed) bytes in one upsert, so concurrent
    reports never lose each other; never below zero."""
    _check(media_type)
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_storageusage (tenant_id, media_type, bytes_used, updated_at)
            VALUES (%(tenant)s, %(type)s, greatest(%(delta)s, 0), now())
            ON CONFLICT (tenant_id, media_type) DO UPDATE
               SET bytes_used = greatest(billing_storageusage.bytes_used + %(delta)s, 0),
                   updated_at = now()
            """,
            {"tenant": tenant_id, "type": media_type, "delta": delta_bytes},
        )

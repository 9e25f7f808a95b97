"""Recorded downtime as the SLA arithmetic's intervals, for the public page or one client."""

from __future__ import annotations

from datetime import datetime

from django.db.models import Prefetch, Q

from controlplane.availability import DowntimeInterval
from controlplane.models import Downtime, DowntimeExclusion
from tenants.models import Tenant


def downtime_overlapping(start: datetime, end: datetime) -> Q:
    return Q(started_at__lt=end) & (Q(ended_at__isnull=True) | Q(ended_at__gt=start))


def downtime_intervals_public(*, start: datetime, end: datetime) -> list[DowntimeInterval]:
    """Downtime that affected every client (none is client-caused for the public)."""
    rows = Downtime.objects.filter(downtime_overlapping(start, end), tenant__isnull=True)
    return [
        DowntimeInterval(
            component=row.component,
            start=row.started_at,
            end=row.ended_at,
            cause=row.cause,
            is_maintenance=row.is_maintenance,
        )
        for row in rows.order_by("started_at", "pk")
    ]


def downtime_intervals_for_tenant(
    *, tenant: Tenant, start: datetime, end: datetime
) -> list[DowntimeInterval]:
    """Downtime that affected `tenant`, with the falls it caused marked excluded (REQ 6.2.4)."""
    rows = (
        Downtime.objects.filter(downtime_overlapping(start, end))
        .filter(Q(tenant__isnull=True) | Q(tenant=tenant))
        .prefetch_related(
            Prefetch(
                "exclusions",
                queryset=DowntimeExclusion.objects.filter(tenant=tenant),
                to_attr="tenant_exclusions",
            )
        )
        .order_by("started_at", "pk")
    )
    intervals = []
    for row in rows:
        exclusion = row.tenant_exclusions[0] if row.tenant_exclusions else None
        intervals.append(
            DowntimeInterval(
                component=row.component,
                start=row.started_at,
                end=row.ended_at,
                cause=row.cause,
                is_maintenance=row.is_maintenance,
                excluded=exclusion is not None,
                exclusion_reason=exclusion.justification if exclusion else "",
            )
        )
    return intervals


def downtime_list(*, start: datetime, end: datetime) -> list[Downtime]:
    """Every recorded downtime in the range, with its exclusions, for the operators' screen."""
    return list(
        Downtime.objects.filter(downtime_overlapping(start, end))
        .select_related("tenant", "incident", "maintenance")
        .prefetch_related("exclusions__tenant")
        .order_by("-started_at", "component")
    )

"""Reads of the analytics app that are not report queries: where the export stands, and
which saved reports a user may open."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db.models import Min, Q, QuerySet
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.export import gaps_query, sources, tenants_exportable
from analytics.models import ExportWatermark, SavedReport
from core.permissions import has_capability
from routing.models import TeamMembership
from tenants.models import Tenant


@dataclass(frozen=True)
class ExportLag:
    tenant_id: int
    tenant_slug: str
    source: str
    watermark: int
    exported_through: int
    pending_rows: int  # rows in PostgreSQL not yet in ClickHouse
    lag_seconds: float  # age of the oldest of them; 0 when none
    last_export_at: datetime | None


def export_lag_all_tenants(*, now: datetime | None = None) -> list[ExportLag]:
    """Export lag of every tenant and source, for the control plane's metrics and screens.

    Crosses tenants on purpose (named *_all_tenants): the watermarks are one public-table
    read; pending rows are counted in each tenant's schema on the source's primary key.
    """
    now = now or timezone.now()
    marks = {(mark.tenant_id, mark.source): mark for mark in ExportWatermark.objects.all()}
    lags: list[ExportLag] = []
    for tenant in tenants_exportable():
        with schema_context(tenant.schema_name):
            lags.extend(export_lag_of(tenant, now=now, marks=marks))
    return lags


def export_lag_of(
    tenant: Tenant,
    *,
    now: datetime | None = None,
    marks: dict[tuple[int, str], ExportWatermark] | None = None,
) -> list[ExportLag]:
    """Export lag of one tenant, per source; runs in the tenant's schema."""
    now = now or timezone.now()
    if marks is None:
        marks = {
            (mark.tenant_id, mark.source): mark
            for mark in ExportWatermark.objects.filter(tenant_id=tenant.pk)
        }
    lags: list[ExportLag] = []
    for source in sources():
        mark = marks.get((tenant.pk, source.name))
        exported = mark.exported_through if mark else 0
        gaps = [(int(first), int(last)) for first, last in (mark.gaps if mark else [])]
        pending = source.rows().filter(Q(pk__gt=exported) | gaps_query(gaps))
        figures = pending.aggregate(oldest=Min(source.time_field))
        oldest = figures["oldest"]
        lags.append(
            ExportLag(
                tenant_id=tenant.pk,
                tenant_slug=tenant.slug,
                source=source.name,
                watermark=mark.watermark if mark else 0,
                exported_through=exported,
                pending_rows=pending.count() if oldest is not None else 0,
                lag_seconds=max(0.0, (now - oldest).total_seconds()) if oldest else 0.0,
                last_export_at=mark.last_export_at if mark else None,
            )
        )
    return lags


def saved_reports_for(user: Any, tenant_id: int) -> QuerySet[SavedReport]:
    """The saved reports a user may open: their own, those shared with a team of theirs, and
    every one for administrators and auditors."""
    saved = SavedReport.objects.filter(tenant_id=tenant_id)
    if has_capability(user, "view_audit_log"):
        return saved
    teams = list(TeamMembership.objects.filter(user_id=user.pk).values_list("team_id", flat=True))
    shared = Q(pk__in=[])
    for team in teams:
        shared |= Q(shared_team_ids__contains=[team])
    return saved.filter(Q(owner_id=user.pk) | shared)


def saved_report_may_delete(user: Any, saved: SavedReport) -> bool:
    return bool(saved.owner_id == user.pk or has_capability(user, "manage_users"))

"""Writes of the analytics app: rebuilding a tenant's ClickHouse rows from PostgreSQL."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError
from django.db import transaction
from django.utils import timezone
from django_tenants.utils import schema_context

from analytics.client import get_client
from analytics.errors import AnalyticsUnavailable
from analytics.export import ExportSource, source_export_batch, sources, watermark_lock
from analytics.models import DashboardLayout, SavedReport
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant


@dataclass(frozen=True)
class RebuildResult:
    tenant_id: int
    rows: dict[str, int]  # source -> PostgreSQL rows exported
    seconds: float


def _tenant_rows_delete(client: Client, source: ExportSource, tenant_id: int) -> None:
    # A synchronous mutation: it returns when the rows are gone. Both values are validated
    # (an int, and a source name matching [a-z0-9_.]), so formatting them in is safe.
    condition = f"tenant_id = {int(tenant_id)}"
    if source.table.keyed_by_source:
        condition += f" AND source = '{source.name}'"
    client.command(
        f"ALTER TABLE {source.table.name} DELETE WHERE {condition} SETTINGS mutations_sync = 2"
    )


def tenant_rebuild(
    *,
    tenant: Tenant,
    actor: Actor,
    client: Client | None = None,
    progress: Callable[[str], None] = lambda line: None,
) -> RebuildResult:
    """Drops the tenant's analytics rows and exports every source again from PostgreSQL.

    Per source, the watermark row stays locked while it is reset and the ClickHouse rows are
    deleted, so no export of that tenant interleaves. What PostgreSQL ids are final (the
    settled range) is kept: it describes PostgreSQL, not ClickHouse. If the rebuild fails
    midway, run it again.
    """
    client = client or get_client()
    started = time.perf_counter()
    counts: dict[str, int] = {}
    with schema_context(tenant.schema_name):
        for source in sources():
            with transaction.atomic():
                mark = watermark_lock(tenant, source, wait=True)
                assert mark is not None  # waiting for the lock never skips
                mark.watermark = mark.exported_through = 0
                mark.gaps = []
                mark.rebuilt_at = timezone.now()
                mark.save()
                try:
                    _tenant_rows_delete(client, source, tenant.pk)
                except (ClickHouseError, OSError) as error:
                    raise AnalyticsUnavailable(f"rebuild {source.name}: {error}") from error
            sent = 0
            while True:
                result = source_export_batch(tenant=tenant, source=source, client=client)
                assert result is not None
                sent += result.rows
                progress(f"  {source.name}: {sent} rows")
                if not result.more:
                    break
            counts[source.name] = sent
    with transaction.atomic():
        audit_record(actor=actor, action="analytics.rebuild", target=tenant, after={"rows": counts})
    return RebuildResult(tenant_id=tenant.pk, rows=counts, seconds=time.perf_counter() - started)


def saved_report_create(
    *,
    actor: Actor,
    tenant: Tenant,
    name: str,
    period: str,
    parameters: dict[str, Any],
    team_ids: list[int],
) -> SavedReport:
    """Saves the builder's choices under a name, shared with these teams (6.5.48.1)."""
    with transaction.atomic():
        saved = SavedReport.objects.create(
            tenant=tenant,
            owner_id=actor.user_id or 0,
            owner_label=actor.label[:254],
            name=name,
            period=period,
            parameters=parameters,
            shared_team_ids=sorted(set(team_ids)),
        )
        audit_record(
            actor=actor,
            action="analytics.saved_report.create",
            object_type="analytics.savedreport",
            object_id=str(saved.pk),
            object_repr=name,
            after={
                "nome": name,
                "periodo": period,
                "parametros": parameters,
                "equipes": saved.shared_team_ids,
            },
        )
    return saved


def saved_report_delete(*, actor: Actor, saved: SavedReport) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="analytics.saved_report.delete",
            object_type="analytics.savedreport",
            object_id=str(saved.pk),
            object_repr=saved.name,
            before={"nome": saved.name, "parametros": saved.parameters},
        )
        saved.delete()


def dashboard_layout_save(
    *, actor: Actor, tenant: Tenant, user_id: int, widgets: list[dict[str, str]]
) -> DashboardLayout:
    """Saves which widgets a user's dashboard shows, in order, with their sizes (6.5.43)."""
    with transaction.atomic():
        layout, _created = DashboardLayout.objects.select_for_update().get_or_create(
            tenant=tenant, user_id=user_id
        )
        before = list(layout.widgets)
        layout.widgets = widgets
        layout.save()
        audit_record(
            actor=actor,
            action="analytics.dashboard.update",
            object_type="analytics.dashboardlayout",
            object_id=str(layout.pk),
            before={"widgets": before},
            after={"widgets": widgets},
        )
    return layout

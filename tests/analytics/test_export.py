"""Exactly-once export of the audit log to ClickHouse: batches, a crash between the insert and
the watermark commit, rows that commit late into a gap, settled gaps, and the lag metric."""

from __future__ import annotations

from collections.abc import Iterator
from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from django.conf import settings
from django_tenants.utils import schema_context

from analytics import export
from analytics.export import source_export_batch, source_get, tenant_export
from analytics.models import ExportWatermark
from analytics.selectors import export_lag_all_tenants, export_lag_of
from analytics.tasks import export_all_tenants
from controlplane.metrics import metric_provider
from security.models import AuditEntry
from tenants.models import Tenant
from tests.analytics.conftest import AuditAt, clickhouse_count, postgres_count

pytestmark = pytest.mark.django_db

MARCH = datetime(2026, 3, 2, 13, 0, tzinfo=UTC)
AUDIT = "security.audit"


def entries(audit_at: AuditAt, tenant: Tenant, count: int) -> list[AuditEntry]:
    return [
        audit_at(
            tenant,
            MARCH + timedelta(minutes=index),
            actor="ana@pm.gov.br",
            action="user.update",
            object_type="accounts.user",
            object_id=str(index),
        )
        for index in range(count)
    ]


def watermark(tenant: Tenant) -> ExportWatermark:
    return ExportWatermark.objects.get(tenant=tenant, source=AUDIT)


@pytest.fixture
def small_batches(settings: Any) -> None:
    settings.ANALYTICS_EXPORT_BATCH_SIZE = 3


@pytest.mark.usefixtures("small_batches")
def test_export_sends_every_entry_once_in_batches(
    tenant: Tenant, audit_at: AuditAt, ch: Client
) -> None:
    # Given the entries provisioning wrote plus 7 more
    entries(audit_at, tenant, 7)
    in_postgres = postgres_count(tenant)

    # When the export runs in batches of 3
    results = tenant_export(tenant=tenant, max_batches=100, wait=True, only=[AUDIT])

    # Then every entry is in ClickHouse exactly once, also before any merge
    # (a full batch asks for another, so an exact multiple ends with an empty one)
    assert [result.rows for result in results] == [3] * (in_postgres // 3) + [in_postgres % 3]
    assert clickhouse_count(ch, tenant) == in_postgres
    assert clickhouse_count(ch, tenant, final=False) == in_postgres
    with schema_context(tenant.schema_name):
        last_id = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()
    mark = watermark(tenant)
    assert (mark.watermark, mark.exported_through, mark.gaps) == (last_id, last_id, [])

    # And a second run finds nothing more to send
    assert sum(r.rows for r in tenant_export(tenant=tenant, wait=True, only=[AUDIT])) == 0
    assert clickhouse_count(ch, tenant, final=False) == in_postgres


@pytest.fixture
def merges_stopped(ch: Client) -> Iterator[None]:
    """Background merges would remove a duplicate copy at any moment; stopped, the test can
    show that the copy exists and that queries still count each entry once."""
    ch.command("SYSTEM STOP MERGES audit_events")
    yield
    ch.command("SYSTEM START MERGES audit_events")


@pytest.mark.usefixtures("small_batches", "merges_stopped")
def test_crash_after_insert_before_watermark_commit_never_doubles_counts(
    tenant: Tenant, audit_at: AuditAt, ch: Client, monkeypatch: pytest.MonkeyPatch
) -> None:
    # Given 8 entries besides provisioning's, exported in batches of 3
    entries(audit_at, tenant, 8)
    in_postgres = postgres_count(tenant)
    real_advance = export._watermark_advance
    calls = {"count": 0}

    def crash_on_second_batch(*args: Any, **kwargs: Any) -> None:
        calls["count"] += 1
        if calls["count"] == 2:
            raise RuntimeError("worker killed after ClickHouse acknowledged the batch")
        real_advance(*args, **kwargs)

    monkeypatch.setattr(export, "_watermark_advance", crash_on_second_batch)

    # When the second batch crashes after its insert, before the watermark commit
    with pytest.raises(RuntimeError, match="worker killed"):
        tenant_export(tenant=tenant, max_batches=100, wait=True, only=[AUDIT])

    # Then the watermark holds only the first batch, while ClickHouse holds two batches
    with schema_context(tenant.schema_name):
        ids = list(AuditEntry.objects.order_by("id").values_list("id", flat=True))
    assert watermark(tenant).watermark == ids[2]
    assert clickhouse_count(ch, tenant, final=False) == 6

    # When the export is retried
    monkeypatch.setattr(export, "_watermark_advance", real_advance)
    tenant_export(tenant=tenant, max_batches=100, wait=True, only=[AUDIT])

    # Then the re-sent batch is a second physical copy, but every count reads each entry once
    assert clickhouse_count(ch, tenant, final=False) == in_postgres + 3
    assert clickhouse_count(ch, tenant) == in_postgres
    per_entry = ch.query(
        "SELECT entry_id, count() FROM audit_events FINAL WHERE tenant_id = {t:UInt64} "
        "GROUP BY entry_id HAVING count() > 1",
        parameters={"t": tenant.pk},
    ).result_rows
    assert per_entry == []
    assert watermark(tenant).watermark == ids[-1]

    # And once ClickHouse merges, the copy is physically gone too
    ch.command("SYSTEM START MERGES audit_events")
    ch.command("OPTIMIZE TABLE audit_events FINAL")
    assert clickhouse_count(ch, tenant, final=False) == in_postgres


def test_a_row_committed_late_into_a_gap_is_exported(
    tenant: Tenant, audit_at: AuditAt, ch: Client
) -> None:
    # Given entries whose middle id is not visible yet (its transaction still open)
    created = entries(audit_at, tenant, 5)
    late = created[2]
    late_values = {field.attname: getattr(late, field.attname) for field in AuditEntry._meta.fields}
    with schema_context(tenant.schema_name):
        AuditEntry.objects.filter(pk=late.pk).delete()
    audit = source_get(AUDIT)
    now = datetime.now(tz=UTC)

    # When the export runs
    source_export_batch(tenant=tenant, source=audit, now=now, settle_seconds=300)

    # Then the watermark stops before the gap, and rows after it are already sent
    mark = watermark(tenant)
    assert mark.watermark == late.pk - 1
    assert mark.exported_through == created[-1].pk
    assert mark.gaps == [[late.pk, late.pk]]
    assert clickhouse_count(ch, tenant) == postgres_count(tenant)

    # When the transaction commits (the row appears with its id) and the export runs again
    with schema_context(tenant.schema_name):
        AuditEntry.objects.create(**late_values)
    result = source_export_batch(
        tenant=tenant, source=audit, now=now + timedelta(seconds=15), settle_seconds=300
    )

    # Then the late row is sent once, nothing else is re-sent, and the gap is closed
    assert result is not None
    assert (result.rows, result.late_rows) == (1, 1)
    mark = watermark(tenant)
    assert (mark.watermark, mark.gaps) == (created[-1].pk, [])
    assert clickhouse_count(ch, tenant, final=False) == postgres_count(tenant)


def test_a_gap_that_never_fills_settles_after_the_settle_time(
    tenant: Tenant, audit_at: AuditAt
) -> None:
    # Given an id that was rolled back (never appears)
    created = entries(audit_at, tenant, 4)
    with schema_context(tenant.schema_name):
        AuditEntry.objects.filter(pk=created[1].pk).delete()
    audit = source_get(AUDIT)
    start = datetime.now(tz=UTC)
    source_export_batch(tenant=tenant, source=audit, now=start, settle_seconds=300)
    assert watermark(tenant).watermark == created[1].pk - 1

    # When less than the settle time has passed, the gap is still awaited
    source_export_batch(
        tenant=tenant, source=audit, now=start + timedelta(seconds=299), settle_seconds=300
    )
    assert watermark(tenant).watermark == created[1].pk - 1

    # When the settle time has passed, the watermark moves past it
    source_export_batch(
        tenant=tenant, source=audit, now=start + timedelta(seconds=300), settle_seconds=300
    )
    mark = watermark(tenant)
    assert (mark.watermark, mark.gaps) == (created[-1].pk, [])


@pytest.mark.req("6.2.13")
def test_export_lag_per_tenant_and_source(tenant: Tenant, audit_at: AuditAt) -> None:
    # Given entries not exported yet, the oldest written in March
    entries(audit_at, tenant, 3)
    now = datetime(2026, 3, 2, 14, 0, tzinfo=UTC)

    def lag() -> Any:
        return next(
            item
            for item in export_lag_all_tenants(now=now)
            if item.tenant_id == tenant.pk and item.source == AUDIT
        )

    # Then the lag counts them all and dates from the oldest (provisioning's are newer)
    before = lag()
    assert before.pending_rows == postgres_count(tenant)
    assert before.lag_seconds == 3600.0
    assert before.last_export_at is None

    # and the operators' dashboard shows the client's lag (the oldest pending row of any source)
    provider = metric_provider("analytics_export_lag")
    assert provider is not None
    with schema_context(tenant.schema_name):
        shown = provider.count(tenant, now)
        per_source = export_lag_of(tenant)
    assert shown == round(max(item.lag_seconds for item in per_source)) > 0

    # When exported, there is no lag
    tenant_export(tenant=tenant, wait=True, only=[AUDIT])
    after = lag()
    assert (after.pending_rows, after.lag_seconds) == (0, 0.0)
    assert after.exported_through == after.watermark
    assert after.last_export_at is not None


def test_beat_exports_every_tenant_on_schedule(
    tenant: Tenant, audit_at: AuditAt, ch: Client
) -> None:
    entries(audit_at, tenant, 2)
    schedule = settings.CELERY_BEAT_SCHEDULE["analytics-export"]
    assert schedule["task"] == "analytics.tasks.export_all_tenants"
    assert schedule["schedule"] == float(settings.ANALYTICS_EXPORT_INTERVAL_SECONDS)

    # When beat fires (tasks run in-process in tests)
    queued = export_all_tenants()

    # Then one task per tenant ran, and this tenant's log is in ClickHouse
    assert queued == Tenant.objects.exclude(schema_name="public").count()
    assert clickhouse_count(ch, tenant) == postgres_count(tenant)

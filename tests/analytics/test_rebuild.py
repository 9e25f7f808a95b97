"""`manage.py analytics_rebuild --tenant <slug>`: the rebuilt figures equal the exported ones,
and both equal what PostgreSQL (the source of truth) says."""

from __future__ import annotations

import io
from collections import Counter
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from clickhouse_connect.driver.client import Client
from django.core.management import call_command
from django_tenants.utils import schema_context

from analytics import export
from analytics.export import tenant_export
from analytics.models import ExportWatermark
from analytics.reports.base import LOCAL_TIMEZONE, Period
from analytics.reports.system_changes import SystemChangesReport
from security.models import AuditEntry
from tenants.models import Tenant
from tests.analytics.conftest import AuditAt, clickhouse_count, postgres_count

pytestmark = pytest.mark.django_db

PERIOD = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))


@pytest.fixture
def exported(
    tenant: Tenant, audit_at: AuditAt, settings: Any, monkeypatch: pytest.MonkeyPatch
) -> Tenant:
    """Thirty changes over March (every 23 hours, so some fall after 21:00 in São Paulo: the
    next day in UTC), exported in batches of 4 with one crash and retry along the way."""
    users = ["ana@pm.gov.br", "bruno@pm.gov.br", "carla@pm.gov.br"]
    actions = ["user.update", "team.update"]
    start = datetime(2026, 3, 1, 3, 0, tzinfo=UTC)
    for index in range(30):
        audit_at(
            tenant,
            start + timedelta(hours=23 * index),
            actor=users[index % 3],
            action=actions[index % 2],
            object_type="desk.team",
            object_id=str(index % 7),
        )
    settings.ANALYTICS_EXPORT_BATCH_SIZE = 4
    real_advance = export._watermark_advance
    calls = {"count": 0}

    def crash_once(*args: Any, **kwargs: Any) -> None:
        calls["count"] += 1
        if calls["count"] == 3:
            raise ConnectionResetError("lost the database after the insert")
        real_advance(*args, **kwargs)

    monkeypatch.setattr(export, "_watermark_advance", crash_once)
    with pytest.raises(ConnectionResetError):
        tenant_export(tenant=tenant, max_batches=100, wait=True, only=["security.audit"])
    tenant_export(tenant=tenant, max_batches=100, wait=True, only=["security.audit"])
    return tenant


def figures(tenant: Tenant) -> tuple[list[tuple[Any, ...]], dict[str, Any]]:
    result = SystemChangesReport(tenant_id=tenant.pk, period=PERIOD).run()
    return result.rows, result.totals


def postgres_figures(tenant: Tenant) -> Counter[tuple[Any, ...]]:
    """The same grouping computed from PostgreSQL, in Python."""
    counts: Counter[tuple[Any, ...]] = Counter()
    with schema_context(tenant.schema_name):
        for entry in AuditEntry.objects.all():
            day = entry.occurred_at.astimezone(LOCAL_TIMEZONE).date()
            if PERIOD.start <= day <= PERIOD.end:
                counts[(day, entry.actor_label, entry.action, entry.object_type)] += 1
    return counts


def test_rebuild_gives_the_exported_figures_which_are_postgres_figures(
    exported: Tenant, ch: Client
) -> None:
    # Given figures read after an export that crashed once and was retried
    before_rows, before_totals = figures(exported)
    expected = postgres_figures(exported)
    assert {row[:4]: row[4] for row in before_rows} == dict(expected)
    assert before_totals["alteracoes"] == 30

    # When the tenant is rebuilt from PostgreSQL
    out = io.StringIO()
    call_command("analytics_rebuild", tenant=exported.slug, stdout=out)

    # Then every figure is the same, and ClickHouse holds one physical row per entry
    assert figures(exported) == (before_rows, before_totals)
    assert clickhouse_count(ch, exported, final=False) == postgres_count(exported)
    assert (
        f"Rebuilt {postgres_count(exported)} rows from {len(export.sources())} source(s)"
        in out.getvalue()
    )
    mark = ExportWatermark.objects.get(tenant=exported, source="security.audit")
    assert mark.rebuilt_at is not None
    assert mark.watermark == mark.exported_through
    assert (
        AuditEntry.objects.filter(action="analytics.rebuild", object_id=str(exported.pk)).count()
        == 1
    )


def test_rebuild_follows_postgres_when_they_disagree(exported: Tenant) -> None:
    # Given a row removed from PostgreSQL after it was exported (a correction)
    with schema_context(exported.schema_name):
        first = AuditEntry.objects.filter(occurred_at__month=3).order_by("id").first()
        assert first is not None
        AuditEntry.objects.filter(pk=first.pk).delete()
    assert figures(exported)[1]["alteracoes"] == 30

    # When rebuilt, ClickHouse says what PostgreSQL says
    call_command("analytics_rebuild", tenant=exported.slug, stdout=io.StringIO())

    rows, totals = figures(exported)
    assert totals["alteracoes"] == 29
    assert {row[:4]: row[4] for row in rows} == dict(postgres_figures(exported))


def test_rebuild_of_an_unknown_tenant_is_an_error() -> None:
    from django.core.management import CommandError

    with pytest.raises(CommandError, match="no tenant with slug 'nenhum'"):
        call_command("analytics_rebuild", tenant="nenhum")

"""The operators' real-time dashboard (REQ 6.2.13): read-only figures across every client.

Cross-tenant by design (named `_all_tenants`): each figure is read from each client's schema or
from PostgreSQL's catalog, and only operators on the public host ever see them.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from typing import Any

from django.conf import settings
from django.contrib.sessions.backends.db import SessionStore
from django.db import connection
from django.utils import timezone
from django.utils.functional import Promise
from django_tenants.utils import schema_context

from controlplane import conf
from controlplane.metrics import DASHBOARD_METRICS, metric_provider
from controlplane.probes.queue import QueueFigures, queue_figures
from controlplane.selectors.tenants import tenant_list_all_tenants
from core.timezones import SAO_PAULO
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class TenantFigures:
    tenant: Tenant
    users_connected: int
    storage_bytes: int
    metrics: dict[str, int | None] = field(default_factory=dict)


@dataclass(frozen=True)
class Dashboard:
    generated_at: datetime
    active_minutes: int
    rows: list[TenantFigures]
    metric_columns: list[tuple[str, str | Promise, bool]]  # key, label, provider exists
    public_storage_bytes: int
    queue: QueueFigures | None
    queue_error: str

    @property
    def total_users_connected(self) -> int:
        return sum(row.users_connected for row in self.rows)

    @property
    def total_storage_bytes(self) -> int:
        return self.public_storage_bytes + sum(row.storage_bytes for row in self.rows)


def storage_by_schema(schema_names: list[str]) -> dict[str, int]:
    """Bytes of every table, index and TOAST of each schema (pg_total_relation_size summed)."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT n.nspname, COALESCE(SUM(pg_total_relation_size(c.oid)), 0)
            FROM pg_namespace n
            LEFT JOIN pg_class c ON c.relnamespace = n.oid AND c.relkind IN ('r', 'm')
            WHERE n.nspname = ANY(%s)
            GROUP BY n.nspname
            """,
            [schema_names],
        )
        return {name: int(size) for name, size in cursor.fetchall()}


def users_connected_by_schema(
    schema_names: list[str], *, now: datetime, minutes: int
) -> dict[str, int]:
    """Distinct signed-in users whose session was written in the last `minutes`.

    A session's expiry is set to "written + SESSION_COOKIE_AGE" each time it is saved, so the
    ones expiring after now + age - minutes were active since then (exact when sessions are
    saved on every request, SESSION_SAVE_EVERY_REQUEST; otherwise a lower bound).
    """
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT table_schema FROM information_schema.tables "
            "WHERE table_name = 'django_session' AND table_schema = ANY(%s)",
            [schema_names],
        )
        with_sessions = [row[0] for row in cursor.fetchall()]
        counts = dict.fromkeys(schema_names, 0)
        if not with_sessions:
            return counts
        since = now + timedelta(seconds=settings.SESSION_COOKIE_AGE) - timedelta(minutes=minutes)
        parts = []
        params: list[Any] = []
        for schema in with_sessions:
            parts.append(
                f"SELECT %s, session_data FROM {connection.ops.quote_name(schema)}.django_session "  # noqa: S608
                "WHERE expire_date > %s AND expire_date >= %s"
            )
            params.extend([schema, now, since])
        cursor.execute(" UNION ALL ".join(parts), params)
        users: dict[str, set[str]] = {schema: set() for schema in with_sessions}
        decoder = SessionStore()
        for schema, data in cursor.fetchall():
            user_id = decoder.decode(data).get("_auth_user_id")
            if user_id:
                users[schema].add(str(user_id))
    counts.update({schema: len(ids) for schema, ids in users.items()})
    return counts


def _metric(key: str, tenant: Tenant, since: datetime) -> int | None:
    provider = metric_provider(key)
    if provider is None:
        return None
    try:
        with schema_context(tenant.schema_name):
            return int(provider.count(tenant, since))
    except Exception:  # one client's broken figure must not take the dashboard down
        logger.exception("metric %s failed for %s", key, tenant.schema_name)
        return None


def dashboard_all_tenants(*, now: datetime | None = None) -> Dashboard:
    now = now or timezone.now()
    tenants = list(tenant_list_all_tenants())
    schemas = [tenant.schema_name for tenant in tenants]
    minutes = conf.dashboard_active_minutes()
    storage = storage_by_schema([*schemas, settings.PUBLIC_SCHEMA_NAME])
    connected = users_connected_by_schema(schemas, now=now, minutes=minutes) if schemas else {}
    today = datetime.combine(now.astimezone(SAO_PAULO).date(), time(), tzinfo=SAO_PAULO)
    columns = [(key, label, metric_provider(key) is not None) for key, label in DASHBOARD_METRICS]
    rows = [
        TenantFigures(
            tenant=tenant,
            users_connected=connected.get(tenant.schema_name, 0),
            storage_bytes=storage.get(tenant.schema_name, 0),
            metrics={key: _metric(key, tenant, today) for key, _label, _exists in columns},
        )
        for tenant in tenants
    ]
    queue: QueueFigures | None = None
    queue_error = ""
    try:
        queue = queue_figures(now=now)
    except Exception as error:  # the broker being down is itself a figure to show
        queue_error = f"{type(error).__name__}: {error}"
    return Dashboard(
        generated_at=now,
        active_minutes=minutes,
        rows=rows,
        metric_columns=columns,
        public_storage_bytes=storage.get(settings.PUBLIC_SCHEMA_NAME, 0),
        queue=queue,
        queue_error=queue_error,
    )

"""Exactly-once export of PostgreSQL rows to ClickHouse, per tenant and source (docs/adr/0051).

A source is a queryset of append-only rows in the tenant's schema with an increasing integer
primary key, and a function turning one row into rows of a ClickHouse table:

    from analytics.export import register_source
    from analytics.tables import EVENTS, Event, EventKind

    register_source(
        "desk.messages",
        queryset=lambda: Message.objects.select_related("conversation", "channel"),
        serialize=lambda message: [Event(kind=EventKind.MESSAGE, occurred_at=message.created_at,
                                         conversation_id=message.conversation_id, ...)],
        time_field="created_at",
    )

Call it from your app's `AppConfig.ready()`. Each batch, in one PostgreSQL transaction:
lock the (tenant, source) watermark row; read the rows not yet sent; insert them into
ClickHouse and wait for its acknowledgement; advance the watermark; commit. A crash after the
insert and before the commit sends the same rows again on the next run, and the table
(ReplacingMergeTree keyed on tenant + source row) keeps one copy: no count ever doubles.

Ids are handed out when rows are inserted, not when they commit, so a row can become visible
after a higher id was exported. Missing ids below the highest exported one are kept as gaps;
a row that appears in a gap is exported then ("late"), and a gap is dropped once it is older
than the settle time (its transaction rolled back, or the row was deleted).
"""

from __future__ import annotations

import logging
import re
import time
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, fields
from datetime import datetime, timedelta
from typing import Any

from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError
from django.conf import settings
from django.db import transaction
from django.db.models import Max, Q, QuerySet
from django.utils import timezone
from django_tenants.utils import get_public_schema_name, schema_context

from analytics.client import get_client
from analytics.errors import AnalyticsUnavailable, SourceError
from analytics.models import ExportWatermark
from analytics.tables import EVENTS, Table
from analytics.wire import insert_rows
from tenants.models import Tenant, TenantStatus

logger = logging.getLogger("analytics.export")

_SOURCE_NAME = re.compile(r"^[a-z][a-z0-9_.]{1,63}$")
# Late rows are looked for in at most this many gap ranges per batch.
_GAP_RANGES_PER_BATCH = 500

Gap = tuple[int, int]


@dataclass(frozen=True)
class ExportSource:
    name: str
    table: Table
    queryset: Callable[[], QuerySet[Any]]
    serialize: Callable[[Any], Iterable[Any]]
    time_field: str = "occurred_at"
    settle_seconds: int | None = None
    batch_size: int | None = None

    def rows(self) -> QuerySet[Any]:
        return self.queryset()


_registry: dict[str, ExportSource] = {}


def register_source(
    name: str,
    *,
    queryset: Callable[[], QuerySet[Any]],
    serialize: Callable[[Any], Iterable[Any]],
    table: Table = EVENTS,
    time_field: str = "occurred_at",
    settle_seconds: int | None = None,
    batch_size: int | None = None,
) -> ExportSource:
    """Declares a source. `serialize(row)` returns instances of `table.row_type` (zero or
    more per row; their order must be stable, it is part of their identity). Registering the
    same name again replaces the source (module reloads); with another table it is an error."""
    if not _SOURCE_NAME.match(name):
        raise SourceError(f"invalid export source name {name!r}: use [a-z0-9_.]")
    existing = _registry.get(name)
    if existing is not None and existing.table != table:
        raise SourceError(f"export source {name!r} is already registered for {existing.table.name}")
    source = ExportSource(
        name=name,
        table=table,
        queryset=queryset,
        serialize=serialize,
        time_field=time_field,
        settle_seconds=settle_seconds,
        batch_size=batch_size,
    )
    _registry[name] = source
    return source


def unregister_source(name: str) -> None:
    _registry.pop(name, None)


def sources() -> list[ExportSource]:
    return [_registry[name] for name in sorted(_registry)]


def source_get(name: str) -> ExportSource:
    try:
        return _registry[name]
    except KeyError:
        raise SourceError(f"unknown export source {name!r}") from None


def tenants_exportable() -> QuerySet[Tenant]:
    return (
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .exclude(status=TenantStatus.ARCHIVED)
        .order_by("pk")
    )


@dataclass(frozen=True)
class BatchResult:
    source: str
    rows: int  # PostgreSQL rows sent in this batch (late ones included)
    late_rows: int  # of which rows that appeared in a gap
    clickhouse_rows: int
    watermark: int
    exported_through: int
    more: bool  # the batch was full: there may be more to send now


def _values(
    tenant_id: int, source: ExportSource, row: Any, sequence: int, item: Any, version: int
) -> list[Any]:
    row_type = source.table.row_type
    if not isinstance(item, row_type):
        raise SourceError(
            f"source {source.name!r} produced {type(item).__name__}, not {row_type.__name__}"
        )
    identity = [source.name, row.pk, sequence] if source.table.keyed_by_source else []
    columns = fields(row_type)
    return [tenant_id, *identity, *(getattr(item, part.name) for part in columns), version]


def _gaps_trim(gaps: Sequence[Sequence[int]], settled_through: int) -> list[Gap]:
    kept: list[Gap] = []
    for first, last in gaps:
        if last > settled_through:
            kept.append((max(first, settled_through + 1), last))
    return kept


def _gaps_remove(gaps: list[Gap], ids: Iterable[int]) -> list[Gap]:
    """The gaps without these ids (rows that appeared)."""
    result = gaps
    for found in sorted(set(ids)):
        updated: list[Gap] = []
        for first, last in result:
            if first <= found <= last:
                if first <= found - 1:
                    updated.append((first, found - 1))
                if found + 1 <= last:
                    updated.append((found + 1, last))
            else:
                updated.append((first, last))
        result = updated
    return result


def gaps_query(gaps: Sequence[Gap]) -> Q:
    query = Q(pk__in=[])
    for first, last in gaps[:_GAP_RANGES_PER_BATCH]:
        query |= Q(pk__gte=first, pk__lte=last)
    return query


def _observe(mark: ExportWatermark, source: ExportSource, now: datetime, settle: timedelta) -> None:
    """Every id at or below the highest one committed at time T is final once T is `settle`
    old: its transaction had begun before T, and no transaction outlives the settle time."""
    if mark.observed_at is not None and now - mark.observed_at < settle:
        return
    if mark.observed_at is not None:
        mark.settled_through = max(mark.settled_through, mark.observed_max_id)
    mark.observed_max_id = int(source.rows().aggregate(top=Max("pk"))["top"] or 0)
    mark.observed_at = now


def _watermark_advance(
    mark: ExportWatermark,
    *,
    gaps: list[Gap],
    late: Sequence[Any],
    new: Sequence[Any],
    full: bool,
    now: datetime,
) -> None:
    """Records what ClickHouse acknowledged. Runs after the insert, in the same transaction as
    the read: until this commits, the same rows are sent again on the next try."""
    gaps = _gaps_remove(gaps, (row.pk for row in late))
    previous = mark.exported_through
    for row in new:
        if row.pk > previous + 1:
            gaps.append((previous + 1, row.pk - 1))
        previous = row.pk
    mark.exported_through = previous
    if not full and mark.settled_through > mark.exported_through:
        # Nothing above the last row exists, and nothing up to settled_through can appear.
        mark.exported_through = mark.settled_through
    gaps = _gaps_trim(sorted(gaps), mark.settled_through)
    mark.gaps = [list(gap) for gap in gaps]
    mark.watermark = gaps[0][0] - 1 if gaps else mark.exported_through
    mark.rows_sent += len(late) + len(new)
    if late or new:
        mark.last_export_at = now
    mark.save()


def watermark_lock(tenant: Tenant, source: ExportSource, *, wait: bool) -> ExportWatermark | None:
    created, _ = ExportWatermark.objects.get_or_create(tenant=tenant, source=source.name)
    locked = ExportWatermark.objects.select_for_update(skip_locked=not wait)
    return locked.filter(pk=created.pk).first()


def source_export_batch(
    *,
    tenant: Tenant,
    source: ExportSource,
    client: Client | None = None,
    now: datetime | None = None,
    batch_size: int | None = None,
    settle_seconds: int | None = None,
    wait: bool = True,
) -> BatchResult | None:
    """Sends one batch of `source` for `tenant`. Returns None when another exporter holds the
    watermark and `wait` is False."""
    batch_size = batch_size or source.batch_size or settings.ANALYTICS_EXPORT_BATCH_SIZE
    settle = timedelta(
        seconds=settle_seconds
        if settle_seconds is not None
        else source.settle_seconds
        if source.settle_seconds is not None
        else settings.ANALYTICS_EXPORT_SETTLE_SECONDS
    )
    now = now or timezone.now()
    with schema_context(tenant.schema_name), transaction.atomic():
        mark = watermark_lock(tenant, source, wait=wait)
        if mark is None:
            return None
        _observe(mark, source, now, settle)
        gaps = _gaps_trim(mark.gaps, mark.settled_through)
        late = (
            list(source.rows().filter(gaps_query(gaps)).order_by("pk")[:batch_size]) if gaps else []
        )
        new = (
            list(
                source.rows()
                .filter(pk__gt=mark.exported_through)
                .order_by("pk")[: batch_size - len(late)]
            )
            if len(late) < batch_size
            else []
        )
        version = time.time_ns()
        values = [
            _values(tenant.pk, source, row, sequence, item, version)
            for row in (*late, *new)
            for sequence, item in enumerate(source.serialize(row))
        ]
        if values:
            try:
                insert_rows(
                    client or get_client(), source.table.name, source.table.columns(), values
                )
            except (ClickHouseError, OSError) as error:
                raise AnalyticsUnavailable(f"export {source.name}: {error}") from error
        full = len(late) + len(new) >= batch_size
        _watermark_advance(mark, gaps=gaps, late=late, new=new, full=full, now=now)
        return BatchResult(
            source=source.name,
            rows=len(late) + len(new),
            late_rows=len(late),
            clickhouse_rows=len(values),
            watermark=mark.watermark,
            exported_through=mark.exported_through,
            more=full,
        )


def tenant_export(
    *,
    tenant: Tenant,
    client: Client | None = None,
    max_batches: int | None = None,
    wait: bool = False,
    only: Sequence[str] | None = None,
) -> list[BatchResult]:
    """Sends what each source has for `tenant`, up to `max_batches` batches per source. A
    failing source is logged and does not hold the others back; the first failure is raised
    once all were tried, so the task is recorded as failed."""
    max_batches = max_batches or settings.ANALYTICS_EXPORT_MAX_BATCHES
    results: list[BatchResult] = []
    failures: list[Exception] = []
    for source in sources():
        if only is not None and source.name not in only:
            continue
        try:
            for _ in range(max_batches):
                result = source_export_batch(tenant=tenant, source=source, client=client, wait=wait)
                if result is None:
                    break
                results.append(result)
                if not result.more:
                    break
        except Exception as error:
            logger.exception(
                "analytics export failed", extra={"tenant_slug": tenant.slug, "source": source.name}
            )
            failures.append(error)
    if failures:
        raise failures[0]
    return results

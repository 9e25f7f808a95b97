"""Closing a month: the statement becomes immutable (content hash, stored renderings).

Periods close in order, per tenant, once the month has ended in São Paulo plus a grace period
for messages still in the pipeline. Anything that arrives for a closed month later is billed in
the next open period as an adjustment (`billing.services.usage`).
"""

# SQL here is assembled from module constants only; every value is a bound parameter.
# ruff: noqa: S608

from __future__ import annotations

import logging
from collections import Counter
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import PeriodClosedError, PeriodNotClosable
from billing.models import Contract, InvoicingMode, Statement, UsageDaily
from billing.periods import (
    period_add,
    period_bounds,
    period_end_day,
    period_label,
    period_of,
)
from billing.services.locks import lock_for_closing
from billing.services.rollups import (
    days_are_24_hours,
    rollups_rebuild_billing_period,
    tuned_for_aggregates,
)
from billing.statements.content import content_canonical, content_hash, statement_content
from billing.statements.documents import render_csv, render_pdf, render_xlsx
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

logger = logging.getLogger("billing.closing")


def closed_period_violation(
    *, tenant_id: int, period: date, attempt: str, actor: Actor | None
) -> None:
    """Logs an attempt to alter a closed period, audits it when a person or token tried it, and
    raises PeriodClosedError. Services call it before opening their own transaction, so the audit
    record of the refused attempt is not rolled back with it."""
    logger.warning(
        "billing: refused %s on closed period %s of tenant %s by %s",
        attempt,
        period_label(period),
        tenant_id,
        actor.label if actor else "code",
    )
    if actor is not None:
        audit_record(
            actor=actor,
            action="billing.closed_period.denied",
            object_type="billing.period",
            object_id=f"{tenant_id}:{period.isoformat()}",
            object_repr=f"{tenant_id} {period_label(period)}",
            after={"attempt": attempt},
        )
    raise PeriodClosedError(
        _(
            "O período %(period)s está fechado e não pode ser alterado. Correções entram como "
            "ajuste no próximo período aberto."
        )
        % {"period": period_label(period)}
    )


def close_grace() -> timedelta:
    return timedelta(hours=settings.BILLING_CLOSE_GRACE_HOURS)


def period_closable_at(period: date) -> datetime:
    return period_bounds(period)[1] + close_grace()


Figures = Counter[tuple[str, str, str, str, str]]


_FIGURE_COLUMNS = "kind, direction, unit_price, period, count(*)"


def _ledger_figures(tenant_id: int, billing_period: date) -> Figures:
    """(day, kind, direction, unit price, occurred period) -> count, straight from the ledger:
    everything a statement shows is a sum of these. The period's own rows are read from its
    partition, the late rows billed in it through the adjustments index."""
    binned = days_are_24_hours(billing_period, period_end_day(billing_period))
    own_group = (
        "date_bin('1 day', occurred_at, %(start)s)"
        if binned
        else "(occurred_at AT TIME ZONE 'America/Sao_Paulo')::date"
    )
    own_day = f"({own_group} AT TIME ZONE 'America/Sao_Paulo')::date" if binned else own_group
    parameters: dict[str, Any] = {
        "tenant": tenant_id,
        "period": billing_period,
        "start": period_bounds(billing_period)[0],
    }
    with connection.cursor() as cursor, tuned_for_aggregates(cursor):
        cursor.execute(
            f"""
            SELECT {own_day}, {_FIGURE_COLUMNS} FROM billing_usagerecord
             WHERE tenant_id = %(tenant)s AND period = %(period)s AND billing_period = %(period)s
             GROUP BY {own_group}, kind, direction, unit_price, period
            """,
            parameters,
        )
        rows = cursor.fetchall()
        cursor.execute(
            f"""
            SELECT (occurred_at AT TIME ZONE 'America/Sao_Paulo')::date, {_FIGURE_COLUMNS}
              FROM billing_usagerecord
             WHERE tenant_id = %(tenant)s AND billing_period = %(period)s
               AND billing_period <> period AND period < %(period)s
             GROUP BY 1, kind, direction, unit_price, period
            """,
            parameters,
        )
        rows += cursor.fetchall()
    figures: Figures = Counter()
    for day, kind, direction, price, period, count in rows:
        figures[_figure_key(day, kind, direction, price, period)] += count
    return figures


def _figure_key(
    day: date, kind: str, direction: str, price: Decimal | None, period: date
) -> tuple[str, str, str, str, str]:
    return (
        day.isoformat(),
        kind,
        direction,
        "" if price is None else f"{price:.4f}",
        period.isoformat(),
    )


def _rollup_figures(tenant_id: int, billing_period: date) -> Figures:
    figures: Figures = Counter()
    rows = UsageDaily.objects.filter(tenant_id=tenant_id, billing_period=billing_period)
    for day, kind, direction, price, period, quantity in rows.values_list(
        "day", "kind", "direction", "unit_price", "period", "quantity"
    ):
        figures[_figure_key(day, kind, direction, price, period)] += quantity
    return figures


def statement_rollups_ensure(tenant_id: int, billing_period: date) -> bool:
    """Makes the rollups a statement reads equal to the raw ledger, at the statement's grain.
    They usually are already (refreshed every minute, rebuilt nightly), and one aggregate of the
    ledger proves it; otherwise they are rebuilt from the ledger and compared again. Returns
    whether a rebuild was needed."""
    ledger = _ledger_figures(tenant_id, billing_period)
    if ledger == _rollup_figures(tenant_id, billing_period):
        return False
    rollups_rebuild_billing_period(tenant_id, billing_period)
    if ledger != _rollup_figures(tenant_id, billing_period):
        # Never expected: it would mean the rollup SQL lost or invented usage.
        raise RuntimeError(
            f"rollups of tenant {tenant_id} {billing_period} disagree with the ledger"
        )
    return True


def _first_usage_before(tenant_id: int, moment: datetime) -> bool:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT EXISTS (SELECT 1 FROM billing_usagerecord WHERE tenant_id = %s "
            "AND occurred_at < %s)",
            [tenant_id, moment],
        )
        return bool(cursor.fetchone()[0])


def period_close(
    *, actor: Actor, tenant: Tenant, period: date, now: datetime | None = None
) -> Statement:
    """Closes `period` for the tenant and returns its immutable statement."""
    now = now or timezone.now()
    contract = Contract.objects.filter(tenant=tenant).first()
    if contract is None:
        raise PeriodNotClosable(_("O cliente não tem contrato cadastrado."))
    if now < period_closable_at(period):
        raise PeriodNotClosable(
            _("O período %(period)s ainda não terminou (fechamento a partir de %(when)s).")
            % {
                "period": period_label(period),
                "when": timezone.localtime(period_closable_at(period)).strftime("%d/%m/%Y %H:%M"),
            }
        )
    last = Statement.objects.filter(tenant=tenant).order_by("-period").first()
    if last is not None and period <= last.period:
        closed_period_violation(
            tenant_id=tenant.pk,
            period=period,
            attempt="period.close",
            actor=actor if actor.via != "system" else None,
        )
    with transaction.atomic():
        lock_for_closing(tenant.pk, period)
        last = Statement.objects.filter(tenant=tenant).order_by("-period").first()
        if last is not None and period <= last.period:
            closed_period_violation(
                tenant_id=tenant.pk, period=period, attempt="period.close", actor=None
            )
        if last is not None and period != period_add(last.period, 1):
            raise PeriodNotClosable(
                _("Feche antes o período %(period)s.")
                % {"period": period_label(period_add(last.period, 1))}
            )
        if last is None and _first_usage_before(tenant.pk, period_bounds(period)[0]):
            raise PeriodNotClosable(_("Há consumo em períodos anteriores ainda não fechados."))

        statement_rollups_ensure(tenant.pk, period)

        content = statement_content(
            tenant=tenant, contract=contract, period=period, closed_at=now, closed_by=actor.label
        )
        canonical = content_canonical(content)
        digest = content_hash(canonical)
        statement = Statement.objects.create(
            tenant=tenant,
            contract=contract,
            period=period,
            closed_at=now,
            closed_by=actor.label,
            content=canonical,
            content_hash=digest,
            billed_quantity=content["billed_quantity"],
            total_exact=Decimal(content["total_exact"]),
            total_billed=Decimal(content["total_billed"]),
            pdf=render_pdf(content, content_hash=digest),
            csv=render_csv(content, content_hash=digest),
            xlsx=render_xlsx(content, content_hash=digest),
        )
        audit_record(
            actor=actor,
            action="billing.period.close",
            target=statement,
            after={
                "period": period,
                "content_hash": digest,
                "billed_quantity": content["billed_quantity"],
                "total_exact": content["total_exact"],
                "total_billed": content["total_billed"],
            },
        )
        if contract.invoicing == InvoicingMode.STRIPE:
            statement_id = statement.pk

            def invoice() -> None:
                from billing.tasks import stripe_invoice_statement

                stripe_invoice_statement.delay(statement_id=statement_id)

            transaction.on_commit(invoice)
    logger.info("billing: closed %s of tenant %s, hash %s", period_label(period), tenant.pk, digest)
    return statement


def periods_close_due(*, actor: Actor, now: datetime | None = None) -> list[Statement]:
    """Closes, in order, every period that has ended for every tenant with a contract.
    A tenant whose close fails is logged and skipped; the others still close."""
    now = now or timezone.now()
    closed: list[Statement] = []
    for contract in Contract.objects.select_related("tenant").order_by("tenant_id"):
        tenant = contract.tenant
        last = Statement.objects.filter(tenant=tenant).order_by("-period").first()
        if last is not None:
            next_period = period_add(last.period, 1)
        else:
            next_period = _first_period(tenant.pk, contract)
        while period_closable_at(next_period) <= now:
            try:
                closed.append(period_close(actor=actor, tenant=tenant, period=next_period, now=now))
            except (PeriodNotClosable, PeriodClosedError):
                logger.exception(
                    "billing: could not close %s of tenant %s", period_label(next_period), tenant.pk
                )
                break
            next_period = period_add(next_period, 1)
    return closed


def _first_period(tenant_id: int, contract: Contract) -> date:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT min(occurred_at) FROM billing_usagerecord WHERE tenant_id = %s", [tenant_id]
        )
        first_usage = cursor.fetchone()[0]
    term_period = contract.term_start.replace(day=1)
    return min(term_period, period_of(first_usage)) if first_usage else term_period


_FIGURES = (
    "consumed",
    "daily",
    "lines",
    "per_kind",
    "unpriced",
    "adjustments",
    "adjustments_total",
    "billed_quantity",
    "total_exact",
    "total_billed",
)


def statement_verify(statement: Statement) -> bool:
    """The stored content still hashes to the stored hash, and the ledger still gives the same
    figures: the statement was neither edited nor contradicted by the ledger since closing."""
    import json

    if content_hash(statement.content) != statement.content_hash:
        return False
    tenant = Tenant.objects.get(pk=statement.tenant_id)
    contract = Contract.objects.get(pk=statement.contract_id or 0)
    with transaction.atomic():
        statement_rollups_ensure(tenant.pk, statement.period)
        content = statement_content(
            tenant=tenant,
            contract=contract,
            period=statement.period,
            closed_at=statement.closed_at,
            closed_by=statement.closed_by,
        )
    stored = json.loads(statement.content)
    derived = json.loads(content_canonical({key: content[key] for key in _FIGURES}))
    if stored.get("version", 1) < 2:  # issued before manual adjustments existed
        return all(stored[key] == derived[key] for key in _FIGURES if key in stored)
    return all(stored[key] == derived[key] for key in _FIGURES)

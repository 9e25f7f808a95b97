"""Contracted volume (6.6.2): alerts at 80% and 100%, and what happens past 100%.

Usage of the term is read from the rollups, which the refresh keeps within a minute of the
ledger; `quota_check` runs right after each refresh for the tenants that got usage.
"""

from __future__ import annotations

import logging
from datetime import date
from functools import partial

from django.db import IntegrityError, transaction
from django.db.models import F, Sum

from billing.models import Contract, OveragePolicy, QuotaAlert, UsageDaily, UsageMonthly
from billing.periods import period_end_day, periods_between
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

logger = logging.getLogger(__name__)
THRESHOLDS = (80, 100)


def term_usage(contract: Contract, *, through: date | None = None) -> int:
    """Messages (sent and received, every channel) that happened within the contract term:
    whole months from the monthly rollups, the term's partial first and last months by day."""
    first = contract.term_start
    last = min(contract.term_end, through) if through else contract.term_end
    if last < first:
        return 0
    whole: list[date] = []
    partial: list[tuple[date, date]] = []
    for period in periods_between(first, last):
        start, end = max(first, period), min(last, period_end_day(period))
        if start == period and end == period_end_day(period):
            whole.append(period)
        else:
            partial.append((start, end))
    total = (
        UsageMonthly.objects.filter(
            tenant_id=contract.tenant_id,
            period__in=whole,
        ).aggregate(total=Sum("quantity"))["total"]
        or 0
    )
    for start, end in partial:
        total += (
            UsageDaily.objects.filter(
                tenant_id=contract.tenant_id,
                day__gte=start,
                day__lte=end,
            ).aggregate(total=Sum("quantity"))["total"]
            or 0
        )
    return int(total)


def quota_check(tenant_id: int) -> list[QuotaAlert]:
    """Fires the 80% and 100% alerts that are due and were not fired yet for the contracted
    volume in force; returns the alerts fired now."""
    contract = Contract.objects.filter(tenant_id=tenant_id).first()
    if contract is None:
        return []
    used = term_usage(contract)
    fired: list[QuotaAlert] = []
    for threshold in THRESHOLDS:
        if used * 100 < threshold * contract.contracted_messages:
            continue
        if QuotaAlert.objects.filter(
            contract=contract, threshold=threshold, contracted_messages=contract.contracted_messages
        ).exists():
            continue
        try:
            with transaction.atomic():
                alert = QuotaAlert.objects.create(
                    contract=contract,
                    threshold=threshold,
                    contracted_messages=contract.contracted_messages,
                    used_messages=used,
                )
                audit_record(
                    actor=Actor.system("medição"),
                    action="billing.quota.alert",
                    target=contract,
                    after={
                        "threshold": threshold,
                        "used": used,
                        "contracted": contract.contracted_messages,
                        "overage_policy": contract.overage_policy,
                    },
                )
                alert_id = alert.pk
                transaction.on_commit(partial(_notify, alert_id))
        except IntegrityError:
            continue  # a concurrent check fired it: the unique constraint keeps it to one
        logger.warning(
            "billing: tenant %s reached %s%% of its contracted volume (%s of %s)",
            tenant_id,
            threshold,
            used,
            contract.contracted_messages,
        )
        fired.append(alert)
    return fired


def _notify(alert_id: int) -> None:
    from billing.tasks import quota_alert_notify

    quota_alert_notify.delay(alert_id=alert_id)


def template_allowed(tenant: Tenant | int) -> bool:
    """False only when the contract says to refuse templates past 100% and 100% was reached for
    the contracted volume in force. One indexed query: the pipeline calls it before each
    template send."""
    tenant_id = tenant if isinstance(tenant, int) else tenant.pk
    return not QuotaAlert.objects.filter(
        contract__tenant_id=tenant_id,
        contract__overage_policy=OveragePolicy.REFUSE_TEMPLATES,
        threshold=100,
        contracted_messages=F("contract__contracted_messages"),
    ).exists()

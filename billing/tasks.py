"""Billing jobs (thin: load, call a service). Beat entries are in config/settings.py."""

from __future__ import annotations

import logging
from datetime import date

from celery import shared_task
from django.conf import settings
from django.core.mail import send_mail
from django.template.loader import render_to_string
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from billing.models import QuotaAlert, Statement
from billing.partitions import partitions_ensure as ensure
from billing.periods import period_add, period_of
from billing.services import closing, quota, rollups, stripe_invoicing
from security.actors import Actor

logger = logging.getLogger(__name__)


@shared_task
def rollups_refresh() -> int:
    touched = rollups.rollups_refresh()
    for tenant_id in sorted(touched):
        quota.quota_check(tenant_id)
    return len(touched)


@shared_task
def rollups_rebuild_open() -> int:
    """Nightly: rebuild every open period from the ledger, in case the refresh missed a row
    recorded by a transaction that stayed open longer than its overlap."""
    rebuilt = 0
    for tenant_id, last in _tenants_with_open_periods():
        first_open = period_add(last, 1) if last else None
        rollups.rollups_rebuild_open(tenant_id, first_open)
        rebuilt += 1
    return rebuilt


def _tenants_with_open_periods() -> list[tuple[int, date | None]]:
    from django.db.models import Max

    from billing.models import Contract

    closed = dict(
        Statement.objects.values_list("tenant_id").annotate(last=Max("period")).order_by()
    )
    return [
        (tenant_id, closed.get(tenant_id))
        for tenant_id in Contract.objects.values_list("tenant_id", flat=True)
    ]


@shared_task
def periods_close_due() -> int:
    return len(closing.periods_close_due(actor=Actor.system("fechamento mensal")))


@shared_task
def partitions_ensure() -> int:
    current = period_of(timezone.now())
    return len(ensure(current, period_add(current, 12)))


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def stripe_invoice_statement(*, statement_id: int) -> str:
    statement = Statement.objects.get(pk=statement_id)
    return stripe_invoicing.stripe_invoice_statement(statement=statement).status


@shared_task(autoretry_for=(OSError,), retry_backoff=True, max_retries=8)
def quota_alert_notify(*, alert_id: int) -> int:
    """E-mails the tenant's administrators and the provider's operators."""
    alert = QuotaAlert.objects.select_related("contract__tenant").get(pk=alert_id)
    tenant = alert.contract.tenant
    operators = list(
        User.objects.filter(is_staff=True, is_active=True).values_list("email", flat=True)
    )
    with schema_context(tenant.schema_name):
        admins = list(
            User.objects.filter(groups__name=Role.ADMIN.value, is_active=True).values_list(
                "email", flat=True
            )
        )
    context = {
        "alert": alert,
        "tenant": tenant,
        "contract": alert.contract,
        "refuses_templates": not quota.template_allowed(tenant.pk),
        "provider": settings.BILLING_PROVIDER_NAME,
    }
    subject = render_to_string("billing/email/quota_subject.txt", context).strip()
    body = render_to_string("billing/email/quota.txt", context)
    sent = 0
    for recipients in (admins, operators):
        if recipients:
            sent += send_mail(
                subject=subject,
                message=body,
                from_email=None,
                recipient_list=sorted(set(recipients)),
            )
    return sent

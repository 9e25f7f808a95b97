"""Celery tasks of the control plane: thin wrappers that load and call a service."""

from __future__ import annotations

import logging
from typing import Any

from celery import shared_task
from django.utils import timezone

logger = logging.getLogger(__name__)

WEBHOOK_DISABLE_AFTER_FAILURES = 10


@shared_task(ignore_result=True)
def probes_run() -> None:
    """Every 30 s from beat. Skips a run while the previous one is still going."""
    from django.core.cache import cache

    from controlplane.probes.runner import probes_run as run

    if not cache.add("controlplane:probes:running", "1", timeout=25):
        logger.warning("probe run skipped: the previous one is still running")
        return
    try:
        run()
    finally:
        cache.delete("controlplane:probes:running")


@shared_task(ignore_result=True)
def queue_heartbeat(sent_at: str) -> None:
    from controlplane.probes.queue import queue_heartbeat_received

    queue_heartbeat_received(sent_at)


@shared_task(ignore_result=True)
def probe_results_purge() -> None:
    from controlplane.probes.runner import probe_results_purge as purge

    purge()


@shared_task(ignore_result=True)
def maintenance_advance() -> None:
    from controlplane.services.maintenance import maintenance_advance as advance

    advance()


@shared_task(ignore_result=True)
def notices_send(event: str, object_id: int) -> None:
    from controlplane.services.notice_delivery import notices_send as send

    send(event, object_id)


def _webhook_attempt(subscription_id: int, event: str, payload: dict[str, Any]) -> bool:
    from controlplane.models import StatusSubscription
    from controlplane.webhooks import deliver

    subscription = StatusSubscription.objects.filter(pk=subscription_id).first()
    if subscription is None or subscription.disabled_at is not None:
        return True
    try:
        status = deliver(
            url=subscription.url, secret=subscription.secret, event=event, payload=payload
        )
    except Exception as error:  # network errors and refused addresses alike are failures
        logger.warning("webhook %s failed: %s", subscription_id, error)
        status = 0
    ok = 200 <= status < 300
    if ok:
        StatusSubscription.objects.filter(pk=subscription_id).update(consecutive_failures=0)
        return True
    subscription.consecutive_failures += 1
    if subscription.consecutive_failures >= WEBHOOK_DISABLE_AFTER_FAILURES:
        subscription.disabled_at = timezone.now()
    subscription.save(update_fields=["consecutive_failures", "disabled_at"])
    return False


@shared_task(bind=True, ignore_result=True, max_retries=5)
def webhook_deliver(self: Any, subscription_id: int, event: str, payload: dict[str, Any]) -> None:
    if not _webhook_attempt(subscription_id, event, payload):
        if self.request.is_eager:
            return
        raise self.retry(countdown=30 * 2**self.request.retries)


@shared_task(ignore_result=True)
def webhook_verify(subscription_id: int) -> None:
    """Sends the verification ping; the webhook becomes active when it answers 2xx."""
    from controlplane.models import StatusSubscription

    payload = {"event": "subscription.verify", "subscription_id": subscription_id}
    if _webhook_attempt(subscription_id, "subscription.verify", payload):
        StatusSubscription.objects.filter(
            pk=subscription_id, confirmed_at__isnull=True, disabled_at__isnull=True
        ).update(confirmed_at=timezone.now())


@shared_task(ignore_result=True)
def backups_run() -> None:
    from controlplane.backup.services import backup_all, backups_expire

    backup_all()
    backups_expire()


@shared_task(ignore_result=True)
def backup_tenant_task(tenant_id: int, requested_by: str) -> None:
    from controlplane.backup.services import backup_tenant
    from security.actors import Actor
    from tenants.models import Tenant

    tenant = Tenant.objects.get(pk=tenant_id)
    backup_tenant(tenant=tenant, actor=Actor(user_id=None, label=requested_by, via="system"))

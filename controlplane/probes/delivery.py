"""Each channel's delivery (components `channel.<type>`), judged from the tenants' outboxes.

A channel's delivery is down when a message waits to be sent longer than
`STATUS_DELIVERY_STUCK_SECONDS` (the oldest unsent outbox row, across every tenant), or when
more than `STATUS_DELIVERY_MAX_FAILURE_RATIO` of the sends finished in the last
`STATUS_DELIVERY_WINDOW_MINUTES` failed for good (with at least `STATUS_DELIVERY_MIN_SAMPLE`
sends, so one bad phone number never takes a channel down). Sandbox channels send to the
simulator, not to citizens: they are left out.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass
from datetime import datetime, timedelta

from django.db.models import Count, Min, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import get_public_schema_name, schema_context

from channels.models import ChannelMode, ChannelType
from controlplane import components as c
from controlplane import conf
from controlplane.probes.registry import Probe, ProbeOutcome
from desk.models import Outbox
from tenants.models import Tenant, TenantStatus

DELIVERY_CHANNELS: tuple[tuple[str, str], ...] = (
    (ChannelType.WHATSAPP.value, "WhatsApp"),
    (ChannelType.TELEGRAM.value, "Telegram"),
    (ChannelType.WEBCHAT.value, "WebChat"),
)


@dataclass(frozen=True)
class DeliveryFigures:
    oldest_pending: datetime | None
    finished: int
    failed: int


def _tenant_schemas() -> list[str]:
    return list(
        Tenant.objects.exclude(schema_name=get_public_schema_name())
        .exclude(status=TenantStatus.ARCHIVED)
        .order_by("schema_name")
        .values_list("schema_name", flat=True)
    )


def delivery_figures(channel_type: str, *, now: datetime) -> DeliveryFigures:
    """The outbox figures of one channel type, summed over every tenant schema."""
    since = now - timedelta(minutes=conf.delivery_window_minutes())
    finished_recently = Q(done_at__gte=since)
    oldest: datetime | None = None
    finished = failed = 0
    for schema_name in _tenant_schemas():
        with schema_context(schema_name):
            figures = Outbox.objects.filter(
                message__channel__type=channel_type, message__channel__mode=ChannelMode.LIVE
            ).aggregate(
                oldest=Min("created_at", filter=Q(done_at__isnull=True)),
                finished=Count("id", filter=finished_recently),
                # A permanent failure closes the row with its error; a send closes it clean.
                failed=Count("id", filter=finished_recently & ~Q(last_error="")),
            )
        if figures["oldest"] is not None and (oldest is None or figures["oldest"] < oldest):
            oldest = figures["oldest"]
        finished += figures["finished"]
        failed += figures["failed"]
    return DeliveryFigures(oldest_pending=oldest, finished=finished, failed=failed)


def delivery_outcome(channel_type: str, *, now: datetime | None = None) -> ProbeOutcome:
    now = now or timezone.now()
    figures = delivery_figures(channel_type, now=now)
    waiting = (
        0 if figures.oldest_pending is None else int((now - figures.oldest_pending).total_seconds())
    )
    summary = _("envio pendente mais antigo: %(waiting)d s; falhas: %(failed)d de %(finished)d") % {
        "waiting": waiting,
        "failed": figures.failed,
        "finished": figures.finished,
    }
    stuck_limit = conf.delivery_stuck_seconds()
    if waiting > stuck_limit:
        return ProbeOutcome.failed(
            _("Envios parados há %(waiting)d s (limite %(limit)d s); %(summary)s")
            % {"waiting": waiting, "limit": stuck_limit, "summary": summary}
        )
    ratio_limit = conf.delivery_max_failure_ratio()
    if (
        figures.finished >= conf.delivery_min_sample()
        and figures.failed / figures.finished > ratio_limit
    ):
        return ProbeOutcome.failed(
            _("Falhas de envio acima de %(limit)d%%; %(summary)s")
            % {"limit": round(ratio_limit * 100), "summary": summary}
        )
    return ProbeOutcome.ok(summary)


def delivery_probes() -> list[Probe]:
    return [
        Probe(
            f"delivery_{slug}",
            f"Entrega — {label}",
            (f"{c.CHANNEL_PREFIX}{slug}",),
            functools.partial(delivery_outcome, slug),
        )
        for slug, label in DELIVERY_CHANNELS
    ]

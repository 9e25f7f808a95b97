"""Marking a downtime as caused by a client (REQ 6.2.4): excluded from that client's SLA only."""

from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from controlplane.errors import DowntimeError
from controlplane.models import Downtime, DowntimeExclusion
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

MIN_JUSTIFICATION_LENGTH = 20


def downtime_exclude_for_tenant(
    *, actor: Actor, downtime: Downtime, tenant: Tenant, justification: str
) -> DowntimeExclusion:
    """Records that `tenant` caused `downtime`, with the justification shown in its report."""
    justification = (justification or "").strip()
    if len(justification) < MIN_JUSTIFICATION_LENGTH:
        raise DowntimeError(
            _(
                "Explique a causa atribuída ao cliente (pelo menos %(min)d caracteres): a "
                "justificativa aparece no relatório de disponibilidade do cliente."
            )
            % {"min": MIN_JUSTIFICATION_LENGTH},
            field="justification",
        )
    if downtime.tenant_id is not None and downtime.tenant_id != tenant.pk:
        raise DowntimeError(
            _("Esta indisponibilidade afetou somente outro cliente."), field="tenant"
        )
    try:
        with transaction.atomic():
            exclusion = DowntimeExclusion.objects.create(
                downtime=downtime,
                tenant=tenant,
                justification=justification,
                recorded_by_label=actor.label,
            )
            audit_record(
                actor=actor,
                action="downtime.exclude",
                target=downtime,
                after={
                    "tenant": tenant.slug,
                    "justification": justification,
                    "component": downtime.component,
                    "started_at": downtime.started_at,
                    "ended_at": downtime.ended_at,
                },
            )
    except IntegrityError as error:
        raise DowntimeError(
            _("Esta indisponibilidade já está marcada como causada por este cliente.")
        ) from error
    return exclusion


def downtime_exclusion_revoke(*, actor: Actor, exclusion: DowntimeExclusion) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor,
            action="downtime.exclusion_revoke",
            target=exclusion.downtime,
            before={"tenant": exclusion.tenant.slug, "justification": exclusion.justification},
        )
        exclusion.delete()

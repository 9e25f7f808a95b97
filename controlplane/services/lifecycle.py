"""Contract end (REQ 6.2.15): read-only for at least 30 days, then archived by an operator.

Archiving needs the read-only period to be over and a successful backup of the client's schema
taken after it became read-only: the schema itself is kept, never dropped here.
"""

from __future__ import annotations

from datetime import datetime, timedelta

from django.db import transaction
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from controlplane import conf
from controlplane.errors import LifecycleError
from controlplane.models import Backup, BackupStatus, ContractClosure
from security.actors import Actor
from security.audit import audit_record
from tenants.guards import default_inbound_notice
from tenants.models import Tenant, TenantStatus


def tenant_contract_end(
    *,
    actor: Actor,
    tenant: Tenant,
    reason: str,
    inbound_notice: str = "",
    read_only_days: int | None = None,
    now: datetime | None = None,
) -> ContractClosure:
    now = now or timezone.now()
    minimum = conf.read_only_minimum_days()
    days = minimum if read_only_days is None else read_only_days
    reason = (reason or "").strip()
    if not reason:
        raise LifecycleError(_("Informe o motivo do encerramento."), field="reason")
    if days < minimum:
        raise LifecycleError(
            _("O acesso somente leitura deve durar pelo menos %(days)d dias (cláusula 6.2.15).")
            % {"days": minimum},
            field="read_only_days",
        )
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        if tenant.status not in (TenantStatus.ACTIVE, TenantStatus.SUSPENDED):
            raise LifecycleError(_("O contrato deste cliente já foi encerrado."))
        before = {"status": tenant.status}
        tenant.status = TenantStatus.READ_ONLY
        tenant.save(update_fields=["status"])
        closure, _created = ContractClosure.objects.update_or_create(
            tenant=tenant,
            defaults={
                "read_only_since": now,
                "read_only_until": now + timedelta(days=days),
                "inbound_notice": (inbound_notice or "").strip() or default_inbound_notice(),
                "reason": reason[:300],
                "recorded_by_label": actor.label,
                "archived_at": None,
                "archived_by_label": "",
            },
        )
        audit_record(
            actor=actor,
            action="tenant.contract_end",
            target=tenant,
            before=before,
            after={
                "status": tenant.status,
                "read_only_until": closure.read_only_until,
                "reason": closure.reason,
                "inbound_notice": closure.inbound_notice,
            },
        )
    return closure


def tenant_archive(*, actor: Actor, tenant: Tenant, now: datetime | None = None) -> Tenant:
    now = now or timezone.now()
    with transaction.atomic():
        tenant = Tenant.objects.select_for_update().get(pk=tenant.pk)
        closure = ContractClosure.objects.filter(tenant=tenant).first()
        if tenant.status != TenantStatus.READ_ONLY or closure is None:
            raise LifecycleError(_("Só um cliente em modo somente leitura pode ser arquivado."))
        if now < closure.read_only_until:
            raise LifecycleError(
                _(
                    "O período somente leitura vai até %(date)s; o arquivamento só é possível "
                    "depois dessa data (cláusula 6.2.15)."
                )
                % {
                    "date": formats.date_format(
                        timezone.localtime(closure.read_only_until), "DATETIME_FORMAT"
                    )
                }
            )
        has_backup = Backup.objects.filter(
            schema_name=tenant.schema_name,
            status=BackupStatus.SUCCEEDED,
            started_at__gte=closure.read_only_since,
        ).exists()
        if not has_backup:
            raise LifecycleError(
                _(
                    "Faça um backup do cliente antes de arquivá-lo: nenhum backup concluído desde "
                    "o encerramento do contrato."
                )
            )
        tenant.status = TenantStatus.ARCHIVED
        tenant.save(update_fields=["status"])
        closure.archived_at = now
        closure.archived_by_label = actor.label
        closure.save(update_fields=["archived_at", "archived_by_label"])
        audit_record(
            actor=actor,
            action="tenant.archive",
            target=tenant,
            before={"status": TenantStatus.READ_ONLY},
            after={"status": TenantStatus.ARCHIVED},
        )
    return tenant

"""The usage ledger: one row per billable message (DESIGN.md, Metering; docs/adr/0010).

The table is partitioned by month in PostgreSQL (`period`); the DDL lives in migration 0001 as
SQL because Django cannot declare partitioning. In Django's state `id` is the primary key; in the
database the key is (id, period) because a partitioned table's keys must contain the partition
column. Rows are append-only: triggers refuse UPDATE and DELETE of rows of a closed period.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class UsageKind(models.TextChoices):
    SESSION = "session", _("Sessão")
    TEMPLATE = "template", _("Modelo (template HSM)")


class Direction(models.TextChoices):
    INBOUND = "inbound", _("Recebida")
    OUTBOUND = "outbound", _("Enviada")


class Origin(models.TextChoices):
    CONTACT = "contact", _("Contato (cidadão)")
    AGENT = "agent", _("Agente")
    ADMIN = "admin", _("Administrador")
    SYSTEM = "system", _("Sistema (automática)")
    BOT = "bot", _("Robô (fluxo)")


SYSTEM_ORIGINS = (Origin.SYSTEM.value, Origin.BOT.value)


class UsageRecord(models.Model):
    id = models.BigAutoField(primary_key=True)
    # No database constraint (migration 0002): tenants are never deleted, and a foreign key
    # would make every insert lock the tenant's row.
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="+", db_constraint=False
    )
    # `period` is the São Paulo month of `occurred_at` (the partition key and part of the
    # uniqueness); `billing_period` is the period whose statement bills the row. They differ only
    # for records that arrived after their month was closed: adjustments (docs/adr/0010).
    period = models.DateField()
    billing_period = models.DateField()
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    kind = models.CharField(max_length=8, choices=UsageKind.choices)
    direction = models.CharField(max_length=8, choices=Direction.choices)
    origin = models.CharField(max_length=8, choices=Origin.choices)
    channel = models.CharField(max_length=32)
    agent_id = models.BigIntegerField(null=True)
    agent_name = models.CharField(max_length=150)
    # Null only when no price was in force when the message happened; such rows block closing.
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    message_key = models.CharField(max_length=200)

    class Meta:
        verbose_name = _("registro de uso")
        verbose_name_plural = _("registros de uso")
        constraints = [
            models.UniqueConstraint(
                fields=["tenant", "message_key", "kind", "period"],
                name="billing_usage_once_per_message",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.tenant_id}:{self.kind}:{self.message_key}"

    @property
    def is_adjustment(self) -> bool:
        return self.billing_period != self.period

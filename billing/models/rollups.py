"""Daily and monthly totals derived from the ledger (rebuildable: `manage.py billing_rollups`).

Each row is one combination of dimensions. `period` is the month the messages happened in and
`billing_period` the statement that bills them; consumption screens read by `period`,
statements by `billing_period`.
"""

from __future__ import annotations

from django.db import models


class _Rollup(models.Model):
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.PROTECT, related_name="+")
    period = models.DateField()
    billing_period = models.DateField()
    kind = models.CharField(max_length=8)
    direction = models.CharField(max_length=8)
    origin = models.CharField(max_length=8)
    channel = models.CharField(max_length=32)
    agent_id = models.BigIntegerField(null=True)
    agent_name = models.CharField(max_length=150)
    unit_price = models.DecimalField(max_digits=12, decimal_places=4, null=True)
    quantity = models.BigIntegerField()
    # quantity x unit_price, exact; null when unpriced.
    amount = models.DecimalField(max_digits=24, decimal_places=4, null=True)

    class Meta:
        abstract = True


class UsageDaily(_Rollup):
    day = models.DateField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "tenant",
                    "day",
                    "billing_period",
                    "kind",
                    "direction",
                    "origin",
                    "channel",
                    "agent_id",
                    "unit_price",
                ],
                name="billing_daily_dimensions",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["tenant", "billing_period"], name="billing_daily_bp")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.day} {self.kind} {self.quantity}"


class UsageMonthly(_Rollup):
    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=[
                    "tenant",
                    "period",
                    "billing_period",
                    "kind",
                    "direction",
                    "origin",
                    "channel",
                    "agent_id",
                    "unit_price",
                ],
                name="billing_monthly_dimensions",
                nulls_distinct=False,
            ),
        ]
        indexes = [models.Index(fields=["tenant", "billing_period"], name="billing_monthly_bp")]

    def __str__(self) -> str:
        return f"{self.tenant_id} {self.period:%m/%Y} {self.kind} {self.quantity}"


class RollupWatermark(models.Model):
    """How far (by `recorded_at`) the incremental refresh has read the ledger."""

    name = models.CharField(max_length=32, primary_key=True)
    value = models.DateTimeField()

    def __str__(self) -> str:
        return f"{self.name}: {self.value}"

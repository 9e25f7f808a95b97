"""Rollups are derived from the ledger, rebuildable, and equal to it."""

from __future__ import annotations

import random
from datetime import timedelta

import pytest
from django.core.management import call_command
from django.db import connection

from billing.models import Contract, RollupWatermark, UsageDaily, UsageMonthly
from billing.services import UsageEvent, usage_record_bulk
from billing.services.rollups import rollups_rebuild, rollups_refresh
from tenants.models import Tenant
from tests.billing.conftest import sp

pytestmark = pytest.mark.django_db

DIMENSIONS = (
    "tenant_id",
    "day",
    "period",
    "billing_period",
    "kind",
    "direction",
    "origin",
    "channel",
    "agent_id",
    "unit_price",
)


def random_events(tenants: list[Tenant], count: int, seed: int) -> list[UsageEvent]:
    rng = random.Random(seed)
    events = []
    for n in range(count):
        inbound = rng.random() < 0.45
        origin = "contact" if inbound else rng.choice(["agent", "agent", "admin", "system", "bot"])
        agent = rng.choice([None, 1, 2, 3]) if origin in {"contact", "agent", "admin"} else None
        events.append(
            UsageEvent(
                tenant_id=rng.choice(tenants).pk,
                message_key=f"m{seed}-{n}",
                kind="session" if inbound or rng.random() < 0.7 else "template",
                direction="inbound" if inbound else "outbound",
                origin=origin,
                channel=rng.choice(["whatsapp", "telegram", "webchat"]),
                occurred_at=sp(2026, 2, 1) + timedelta(minutes=rng.randrange(0, 60 * 24 * 80)),
                agent_id=agent,
                agent_name=f"Agente {agent}" if agent else "",
            )
        )
    return events


def ledger_aggregate() -> set[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tenant_id, (occurred_at AT TIME ZONE 'America/Sao_Paulo')::date, period,
                   billing_period, kind, direction, origin, channel, agent_id, unit_price,
                   count(*)
              FROM billing_usagerecord
             GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9, 10
            """
        )
        return set(cursor.fetchall())


def daily_rollup() -> set[tuple[object, ...]]:
    return set(UsageDaily.objects.values_list(*DIMENSIONS, "quantity"))


def monthly_from_ledger() -> set[tuple[object, ...]]:
    with connection.cursor() as cursor:
        cursor.execute(
            """
            SELECT tenant_id, period, billing_period, kind, direction, origin, channel,
                   agent_id, unit_price, count(*), count(*) * unit_price
              FROM billing_usagerecord GROUP BY 1, 2, 3, 4, 5, 6, 7, 8, 9
            """
        )
        return set(cursor.fetchall())


def test_rollups_equal_the_raw_ledger(
    tenant_alfa: Tenant, tenant_beta: Tenant, contract_alfa: Contract
) -> None:
    usage_record_bulk(random_events([tenant_alfa, tenant_beta], 3000, seed=1))

    call_command("billing_rollups", verbosity=0)

    assert daily_rollup() == ledger_aggregate()
    monthly = set(
        UsageMonthly.objects.values_list(
            "tenant_id",
            "period",
            "billing_period",
            "kind",
            "direction",
            "origin",
            "channel",
            "agent_id",
            "unit_price",
            "quantity",
            "amount",
        )
    )
    assert monthly == monthly_from_ledger()
    assert sum(UsageDaily.objects.values_list("quantity", flat=True)) == 3000


def test_the_incremental_refresh_catches_new_usage_and_a_rebuild_gives_the_same(
    tenant_alfa: Tenant, contract_alfa: Contract
) -> None:
    usage_record_bulk(random_events([tenant_alfa], 500, seed=2))
    assert rollups_refresh() == {tenant_alfa.pk}
    assert daily_rollup() == ledger_aggregate()
    assert RollupWatermark.objects.filter(name="ledger").exists()

    usage_record_bulk(random_events([tenant_alfa], 300, seed=3))
    rollups_refresh()
    assert daily_rollup() == ledger_aggregate()

    # Corrupt the rollups: a rebuild from the ledger restores them exactly.
    UsageDaily.objects.filter(tenant=tenant_alfa).update(quantity=1)
    UsageMonthly.objects.all().delete()
    rollups_rebuild(tenant_alfa.pk)
    assert daily_rollup() == ledger_aggregate()
    assert (
        set(
            UsageMonthly.objects.values_list(
                "tenant_id",
                "period",
                "billing_period",
                "kind",
                "direction",
                "origin",
                "channel",
                "agent_id",
                "unit_price",
                "quantity",
                "amount",
            )
        )
        == monthly_from_ledger()
    )


def test_the_nightly_rebuild_of_open_periods(tenant_alfa: Tenant, contract_alfa: Contract) -> None:
    from billing.tasks import rollups_rebuild_open

    usage_record_bulk(random_events([tenant_alfa], 200, seed=4))
    assert rollups_rebuild_open() == 1
    assert daily_rollup() == ledger_aggregate()

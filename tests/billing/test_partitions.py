"""The ledger is partitioned by month; partitions are made ahead and stray rows are moved in."""

from __future__ import annotations

from datetime import date

import pytest
from django.core.management import call_command
from django.db import connection

from billing.models import Contract, UsageRecord
from billing.partitions import (
    DEFAULT_PARTITION,
    partition_name,
    partitions_ensure,
    partitions_existing,
)
from tenants.models import Tenant
from tests.billing.conftest import Meter, sp

pytestmark = pytest.mark.django_db


def partition_of(key: str) -> str:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM billing_usagerecord WHERE message_key = %s", [key]
        )
        return str(cursor.fetchone()[0])


def test_a_month_without_partition_lands_in_default_and_moves_when_it_is_created(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    far = date(2031, 5, 1)
    assert partition_name(far) not in partitions_existing()
    meter(tenant_alfa, "future", sp(2031, 5, 20))
    assert partition_of("future") == DEFAULT_PARTITION

    created = partitions_ensure(far, far)

    assert created == ["billing_usagerecord_p203105"]
    assert partition_of("future") == "billing_usagerecord_p203105"
    assert UsageRecord.objects.filter(message_key="future").count() == 1
    # Idempotent: nothing to create the second time.
    assert partitions_ensure(far, far) == []
    # The uniqueness still holds inside the new partition.
    assert meter(tenant_alfa, "future", sp(2031, 5, 20)) is None


def test_the_command_prepares_the_coming_months(db: None) -> None:
    call_command("billing_partitions", "--months-ahead", "14", verbosity=0)
    existing = partitions_existing()
    assert {partition_name(date(2027, 12, 1)), partition_name(date(2028, 1, 1))} <= existing

"""The usage ledger: one row per billable message, duplicates counted once, the price in force
kept on the row, months cut in São Paulo."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django_tenants.utils import schema_context

from billing.errors import UsageRecordInvalid
from billing.models import Contract, UsageRecord
from billing.services import UsageEvent, usage_record, usage_record_bulk
from tenants.models import Tenant
from tests.billing.conftest import Meter, sp, utc

pytestmark = pytest.mark.django_db


def test_a_message_is_recorded_with_the_price_in_force(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    record = meter(tenant_alfa, "wa:1", sp(2026, 3, 10, 9, 30))

    assert record is not None
    stored = UsageRecord.objects.get(pk=record.pk)
    assert stored.unit_price == Decimal("0.0457")
    assert stored.period == date(2026, 3, 1)
    assert stored.billing_period == date(2026, 3, 1)
    assert stored.kind == "session"
    assert stored.agent_name == "Ana Souza"
    assert not stored.is_adjustment
    assert record.unit_price == stored.unit_price


@pytest.mark.req("6.6.2")
def test_a_duplicate_event_counts_once(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    first = meter(tenant_alfa, "wa:dup", sp(2026, 3, 10))
    again = meter(tenant_alfa, "wa:dup", sp(2026, 3, 10))
    from_bulk = usage_record_bulk(
        [
            UsageEvent(
                tenant_id=tenant_alfa.pk,
                message_key="wa:dup",
                kind="session",
                direction="outbound",
                origin="agent",
                channel="whatsapp",
                occurred_at=sp(2026, 3, 10),
            )
        ]
    )

    assert first is not None
    assert again is None
    assert from_bulk == 0
    assert UsageRecord.objects.filter(tenant=tenant_alfa, message_key="wa:dup").count() == 1


def test_the_same_key_of_another_tenant_or_kind_is_another_record(
    tenant_alfa: Tenant, tenant_beta: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    assert meter(tenant_alfa, "k", sp(2026, 3, 10)) is not None
    assert meter(tenant_beta, "k", sp(2026, 3, 10)) is not None
    assert meter(tenant_alfa, "k", sp(2026, 3, 10), kind="template", origin="system") is not None
    assert UsageRecord.objects.filter(message_key="k").count() == 3


def test_a_message_at_02_59_59_utc_on_the_first_belongs_to_the_previous_month(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    late = meter(tenant_alfa, "a", utc(2026, 3, 1, 2, 59, 59))
    early = meter(tenant_alfa, "b", utc(2026, 3, 1, 3, 0, 0))

    assert late is not None and early is not None
    assert UsageRecord.objects.get(pk=late.pk).period == date(2026, 2, 1)
    assert UsageRecord.objects.get(pk=early.pk).period == date(2026, 3, 1)


def test_bulk_records_many_and_skips_duplicates_inside_and_across_batches(
    tenant_alfa: Tenant, tenant_beta: Tenant, contract_alfa: Contract
) -> None:
    def event(tenant: Tenant, key: str, day: int, month: int = 4) -> UsageEvent:
        return UsageEvent(
            tenant_id=tenant.pk,
            message_key=key,
            kind="session",
            direction="inbound",
            origin="contact",
            channel="telegram",
            occurred_at=sp(2026, month, day),
        )

    batch = [event(tenant_alfa, f"m{n}", 1 + n % 28) for n in range(500)]
    batch += [
        event(tenant_alfa, "m1", 2),
        event(tenant_beta, "m1", 2),
        event(tenant_alfa, "march", 31, month=3),
    ]

    assert usage_record_bulk(batch) == 502
    assert usage_record_bulk(batch[:100]) == 0
    assert UsageRecord.objects.filter(tenant=tenant_alfa).count() == 501
    assert UsageRecord.objects.filter(tenant=tenant_beta).count() == 1
    # The contract price is looked up per row; beta has no contract, so its row is unpriced.
    assert set(
        UsageRecord.objects.filter(tenant=tenant_alfa).values_list("unit_price", flat=True)
    ) == {Decimal("0.0457")}
    assert UsageRecord.objects.get(tenant=tenant_beta).unit_price is None


@pytest.mark.req("6.6.3.4")
def test_everything_the_contact_sends_is_a_session_message(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    received = meter(
        tenant_alfa,
        "in",
        sp(2026, 3, 10),
        direction="inbound",
        origin="contact",
        agent_id=None,
        agent_name="",
    )
    assert received is not None and received.kind == "session"

    with pytest.raises(UsageRecordInvalid) as error:
        meter(
            tenant_alfa,
            "in-tpl",
            sp(2026, 3, 10),
            kind="template",
            direction="inbound",
            origin="contact",
        )
    assert error.value.field == "kind"
    assert not UsageRecord.objects.filter(message_key="in-tpl").exists()


@pytest.mark.parametrize(
    ("overrides", "field"),
    [
        ({"kind": "marketing"}, "kind"),
        ({"direction": "sideways"}, "direction"),
        ({"origin": "robot"}, "origin"),
        ({"origin": "contact"}, "origin"),  # outbound from the contact
        ({"channel": "Whats App"}, "channel"),
        ({"message_key": ""}, "message_key"),
        ({"occurred_at": sp(2026, 3, 10).replace(tzinfo=None)}, "occurred_at"),
    ],
)
def test_bad_events_are_refused_and_change_nothing(
    tenant_alfa: Tenant, contract_alfa: Contract, overrides: dict[str, object], field: str
) -> None:
    arguments: dict[str, object] = {
        "tenant": tenant_alfa,
        "message_key": "x",
        "kind": "session",
        "direction": "outbound",
        "origin": "agent",
        "channel": "whatsapp",
        "occurred_at": sp(2026, 3, 10),
        "agent_id": 1,
        "agent_name": "Ana",
    }
    arguments.update(overrides)
    with pytest.raises(UsageRecordInvalid) as error:
        usage_record(**arguments)  # type: ignore[arg-type]
    assert error.value.field == field
    assert UsageRecord.objects.count() == 0


def test_the_pipeline_can_record_from_inside_a_tenant_schema(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    with schema_context(tenant_alfa.schema_name):
        record = meter(tenant_alfa, "from-tenant-schema", sp(2026, 3, 10))
        assert connection.schema_name == tenant_alfa.schema_name  # type: ignore[attr-defined]
    assert record is not None
    assert UsageRecord.objects.filter(message_key="from-tenant-schema").count() == 1


def test_usage_before_the_contract_is_kept_unpriced_then_priced_when_the_contract_arrives(
    tenant_alfa: Tenant, make_contract: object, meter: Meter
) -> None:
    record = meter(tenant_alfa, "early", sp(2026, 3, 10))
    assert record is not None and record.unit_price is None

    make_contract(tenant_alfa)  # type: ignore[operator]

    assert UsageRecord.objects.get(pk=record.pk).unit_price == Decimal("0.0457")


def test_rows_land_in_their_month_partition(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    meter(tenant_alfa, "p", sp(2026, 3, 10))
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tableoid::regclass::text FROM billing_usagerecord WHERE message_key = 'p'"
        )
        assert cursor.fetchone()[0] == "billing_usagerecord_p202603"

"""Monthly close: the statement becomes immutable; late usage becomes an adjustment of the next
open period; prices change on their effective date; everything reconciles with the ledger."""

from __future__ import annotations

import json
import logging
from datetime import date
from decimal import Decimal

import pytest
from django.db import IntegrityError, connection, transaction

from billing.errors import PeriodClosedError, PeriodNotClosable
from billing.models import Contract, Statement, UsageRecord
from billing.money import line_amount, round_cents
from billing.services import UsageEvent, usage_record_bulk
from billing.services.closing import period_close, statement_verify
from billing.services.contracts import price_change_remove, price_change_set
from billing.statements.content import content_canonical, content_hash
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.billing.conftest import Close, Meter, after_end, sp, utc

pytestmark = pytest.mark.django_db
OPERATOR = Actor(user_id=99, label="operador@provedor.test", via="web", ip="127.0.0.1")


def ledger_totals(tenant: Tenant, period: date) -> tuple[int, Decimal]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT count(*), coalesce(sum(unit_price), 0) FROM billing_usagerecord "
            "WHERE tenant_id = %s AND billing_period = %s AND unit_price IS NOT NULL",
            [tenant.pk, period],
        )
        count, total = cursor.fetchone()
    return count, total


@pytest.mark.req("6.6.4.1")
@pytest.mark.req("6.6.4.4")
@pytest.mark.req("6.6.4.5")
def test_statement_totals_equal_the_ledger(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, close: Close
) -> None:
    for n in range(7):
        meter(tenant_alfa, f"s{n}", sp(2026, 1, 1 + n))
    for n in range(3):
        meter(
            tenant_alfa,
            f"r{n}",
            sp(2026, 1, 10 + n),
            direction="inbound",
            origin="contact",
            agent_id=None,
            agent_name="",
        )
    for n in range(4):
        meter(
            tenant_alfa,
            f"t{n}",
            sp(2026, 1, 20),
            kind="template",
            origin="system",
            agent_id=None,
            agent_name="",
        )

    statement = close(tenant_alfa, date(2026, 1, 1))

    content = json.loads(statement.content)
    count, exact = ledger_totals(tenant_alfa, date(2026, 1, 1))
    assert statement.billed_quantity == count == 14
    assert (
        Decimal(content["total_exact"]) == exact == 10 * Decimal("0.0457") + 4 * Decimal("0.3521")
    )
    assert statement.total_billed == round_cents(exact) == Decimal("1.87")
    assert content["consumed"] == {
        "session_received": 3,
        "session_sent": 7,
        "template_sent": 4,
        "total": 14,
    }
    assert content["per_kind"] == {
        "session": {"quantity": 10, "amount": "0.4570"},
        "template": {"quantity": 4, "amount": "1.4084"},
    }
    assert content["daily"][0] == {
        "day": "2026-01-01",
        "template_sent": 0,
        "session_sent": 1,
        "session_received": 0,
    }
    assert content["daily"][19] == {
        "day": "2026-01-20",
        "template_sent": 4,
        "session_sent": 0,
        "session_received": 0,
    }
    assert len(content["daily"]) == 31
    assert statement.content_hash == content_hash(statement.content)
    assert statement.content == content_canonical(content)
    assert statement_verify(statement)
    assert (
        AuditEntry.objects.filter(
            action="billing.period.close", object_id=str(statement.pk)
        ).count()
        == 1
    )


@pytest.mark.req("6.6.4.6")
def test_the_issue_example_in_a_statement(
    tenant_alfa: Tenant, contract_alfa: Contract, close: Close
) -> None:
    events = [
        UsageEvent(
            tenant_id=tenant_alfa.pk,
            message_key=f"m{n}",
            kind="session",
            direction="inbound",
            origin="contact",
            channel="whatsapp",
            occurred_at=utc(2026, 1, 2 + n % 27, 12, n % 60, n % 60),
        )
        for n in range(1_234_567 // 1000)
    ]
    usage_record_bulk(events)
    # Complete the 1,234,567 messages with one direct bulk insert of the same shape.
    with connection.cursor() as cursor:
        cursor.execute(
            """
            INSERT INTO billing_usagerecord (tenant_id, period, billing_period, occurred_at,
                kind, direction, origin, channel, agent_id, agent_name, unit_price, message_key)
            SELECT %s, '2026-01-01', '2026-01-01', timestamptz '2026-01-15 15:00Z', 'session',
                   'inbound', 'contact', 'whatsapp', NULL, '', 0.0457, 'bulk' || n
              FROM generate_series(1, %s) AS n
            """,
            [tenant_alfa.pk, 1_234_567 - len(events)],
        )

    statement = close(tenant_alfa, date(2026, 1, 1))

    content = json.loads(statement.content)
    assert statement.billed_quantity == 1_234_567
    assert content["lines"] == [
        {
            "kind": "session",
            "adjustment_of": None,
            "first_day": "2026-01-02",
            "last_day": "2026-01-28",
            "quantity": 1_234_567,
            "unit_price": "0.0457",
            "amount": "56419.7119",
        }
    ]
    assert content["total_exact"] == "56419.7119"
    assert content["total_billed"] == "56419.71"
    assert statement.total_billed == Decimal("56419.71")


@pytest.mark.req("6.6.2")
@pytest.mark.req("6.6.4.6")
@pytest.mark.req("6.6.4.7")
def test_a_price_change_mid_month_splits_the_month_on_its_date(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, close: Close
) -> None:
    meter(tenant_alfa, "before", sp(2026, 3, 14, 23, 59))
    meter(tenant_alfa, "tpl-before", sp(2026, 3, 14), kind="template", origin="bot")
    meter(tenant_alfa, "after", sp(2026, 3, 15, 0, 0))
    meter(tenant_alfa, "after-2", sp(2026, 3, 20))

    # Entered after the fact: usage already metered from the 15th is repriced.
    price_change_set(
        actor=OPERATOR,
        contract=contract_alfa,
        effective_from=date(2026, 3, 15),
        session_price="0.0500",
        template_price="0.4000",
    )
    meter(tenant_alfa, "after-3", sp(2026, 3, 25), kind="template", origin="system")

    prices = dict(UsageRecord.objects.values_list("message_key", "unit_price"))
    assert prices == {
        "before": Decimal("0.0457"),
        "tpl-before": Decimal("0.3521"),
        "after": Decimal("0.0500"),
        "after-2": Decimal("0.0500"),
        "after-3": Decimal("0.4000"),
    }

    statement = close(tenant_alfa, date(2026, 3, 1))
    content = json.loads(statement.content)
    assert [
        (
            line["kind"],
            line["unit_price"],
            line["quantity"],
            line["first_day"],
            line["last_day"],
            line["amount"],
        )
        for line in content["lines"]
    ] == [
        ("session", "0.0457", 1, "2026-03-14", "2026-03-14", "0.0457"),
        ("session", "0.0500", 2, "2026-03-15", "2026-03-20", "0.1000"),
        ("template", "0.3521", 1, "2026-03-14", "2026-03-14", "0.3521"),
        ("template", "0.4000", 1, "2026-03-25", "2026-03-25", "0.4000"),
    ]
    assert content["prices"] == [
        {"effective_from": "2026-01-01", "session": "0.0457", "template": "0.3521"},
        {"effective_from": "2026-03-15", "session": "0.0500", "template": "0.4000"},
    ]
    assert content["total_exact"] == "0.8978"
    assert content["total_billed"] == "0.90"
    audit = AuditEntry.objects.get(action="billing.price.set")
    assert audit.after == {
        "effective_from": "2026-03-15",
        "session_price": "0.0500",
        "template_price": "0.4000",
        "repriced_records": 2,
    }
    assert audit.actor_label == "operador@provedor.test"


def test_closed_statements_cannot_be_altered_and_the_attempt_is_logged(
    tenant_alfa: Tenant,
    contract_alfa: Contract,
    meter: Meter,
    close: Close,
    caplog: pytest.LogCaptureFixture,
) -> None:
    record = meter(tenant_alfa, "jan", sp(2026, 1, 10))
    assert record is not None
    statement = close(tenant_alfa, date(2026, 1, 1))
    before = (statement.content, statement.content_hash, bytes(statement.pdf))

    # Through the model: refused and logged.
    statement.total_billed = Decimal("0.01")
    with (
        caplog.at_level(logging.WARNING, logger="billing.closing"),
        pytest.raises(PeriodClosedError),
    ):
        statement.save()
    assert "refused statement.save on closed period 01/2026" in caplog.text

    # Through SQL, past the application: the database refuses.
    for sql in (
        "UPDATE billing_statement SET total_billed = 0 WHERE id = %s",
        "DELETE FROM billing_statement WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="closed"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [statement.pk])
    for sql in (
        "UPDATE billing_usagerecord SET unit_price = 0 WHERE id = %s",
        "DELETE FROM billing_usagerecord WHERE id = %s",
    ):
        with (
            pytest.raises(IntegrityError, match="closed period"),
            transaction.atomic(),
            connection.cursor() as cursor,
        ):
            cursor.execute(sql, [record.pk])

    # Closing it again: refused, logged and audited.
    with (
        caplog.at_level(logging.WARNING, logger="billing.closing"),
        pytest.raises(PeriodClosedError),
    ):
        period_close(
            actor=OPERATOR,
            tenant=tenant_alfa,
            period=date(2026, 1, 1),
            now=after_end(date(2026, 1, 1)),
        )
    assert (
        AuditEntry.objects.filter(
            action="billing.closed_period.denied", actor_label="operador@provedor.test"
        ).count()
        == 1
    )

    statement.refresh_from_db()
    assert (statement.content, statement.content_hash, bytes(statement.pdf)) == before
    assert UsageRecord.objects.get(pk=record.pk).unit_price == Decimal("0.0457")
    assert Statement.objects.filter(tenant=tenant_alfa).count() == 1


@pytest.mark.req("6.6.2")
def test_a_price_change_inside_a_closed_period_is_refused_audited_and_changes_nothing(
    tenant_alfa: Tenant,
    contract_alfa: Contract,
    meter: Meter,
    close: Close,
    caplog: pytest.LogCaptureFixture,
) -> None:
    meter(tenant_alfa, "jan", sp(2026, 1, 10))
    close(tenant_alfa, date(2026, 1, 1))

    with (
        caplog.at_level(logging.WARNING, logger="billing.closing"),
        pytest.raises(PeriodClosedError, match="01/2026 está fechado"),
    ):
        price_change_set(
            actor=OPERATOR,
            contract=contract_alfa,
            effective_from=date(2026, 1, 20),
            session_price="0.9999",
            template_price="0.9999",
        )

    assert "refused price_change.set on closed period 01/2026" in caplog.text
    denied = AuditEntry.objects.get(action="billing.closed_period.denied")
    assert denied.after == {"attempt": "price_change.set"}
    assert denied.ip == "127.0.0.1"
    assert contract_alfa.prices.count() == 1
    assert UsageRecord.objects.get(message_key="jan").unit_price == Decimal("0.0457")
    with pytest.raises(PeriodClosedError):
        price_change_remove(actor=OPERATOR, contract=contract_alfa, effective_from=date(2026, 1, 1))


def test_late_usage_goes_to_the_next_open_period_as_an_adjustment(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, close: Close
) -> None:
    meter(tenant_alfa, "jan-1", sp(2026, 1, 10))
    january = close(tenant_alfa, date(2026, 1, 1))

    late = meter(tenant_alfa, "jan-late", sp(2026, 1, 31, 23, 50), kind="template", origin="system")
    duplicate_of_closed = meter(tenant_alfa, "jan-1", sp(2026, 1, 10))
    duplicate_of_late = meter(
        tenant_alfa, "jan-late", sp(2026, 1, 31, 23, 50), kind="template", origin="system"
    )
    meter(tenant_alfa, "feb-1", sp(2026, 2, 3))

    assert late is not None
    assert (late.period, late.billing_period) == (date(2026, 1, 1), date(2026, 2, 1))
    assert late.is_adjustment
    assert late.unit_price == Decimal("0.3521")  # the price in force when it happened
    assert duplicate_of_closed is None
    assert duplicate_of_late is None

    february = close(tenant_alfa, date(2026, 2, 1))
    content = json.loads(february.content)
    assert content["lines"] == [
        {
            "kind": "session",
            "adjustment_of": None,
            "first_day": "2026-02-03",
            "last_day": "2026-02-03",
            "quantity": 1,
            "unit_price": "0.0457",
            "amount": "0.0457",
        },
        {
            "kind": "template",
            "adjustment_of": "2026-01-01",
            "first_day": "2026-01-31",
            "last_day": "2026-01-31",
            "quantity": 1,
            "unit_price": "0.3521",
            "amount": "0.3521",
        },
    ]
    # Consumed in February is February's own traffic; billed includes the adjustment.
    assert content["consumed"]["total"] == 1
    assert february.billed_quantity == 2
    assert february.total_billed == Decimal("0.40")
    assert content["term"]["billed_through_period"] == 3
    # January's statement is untouched and still verifies against the ledger.
    january.refresh_from_db()
    assert json.loads(january.content)["billed_quantity"] == 1
    assert statement_verify(january)
    assert statement_verify(february)


def test_periods_close_in_order_and_only_after_they_end(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    meter(tenant_alfa, "jan", sp(2026, 1, 10))
    with pytest.raises(PeriodNotClosable, match=r"Feche antes|períodos anteriores"):
        period_close(
            actor=OPERATOR,
            tenant=tenant_alfa,
            period=date(2026, 2, 1),
            now=after_end(date(2026, 2, 1)),
        )
    with pytest.raises(PeriodNotClosable, match="ainda não terminou"):
        period_close(
            actor=OPERATOR, tenant=tenant_alfa, period=date(2026, 1, 1), now=utc(2026, 2, 1, 5, 59)
        )  # 02:59 in São Paulo, inside the grace
    assert not Statement.objects.exists()


def test_the_nightly_job_closes_every_due_period_in_order(
    tenant_alfa: Tenant, tenant_beta: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    from billing.services.closing import periods_close_due

    meter(tenant_alfa, "mar", sp(2026, 3, 10))
    closed = periods_close_due(
        actor=Actor.system("fechamento mensal"), now=after_end(date(2026, 3, 1))
    )

    assert [(s.tenant_id, s.period) for s in closed] == [
        (tenant_alfa.pk, date(2026, 1, 1)),
        (tenant_alfa.pk, date(2026, 2, 1)),
        (tenant_alfa.pk, date(2026, 3, 1)),
    ]
    assert closed[-1].billed_quantity == 1
    # Beta has no contract: nothing is closed for it.
    assert not Statement.objects.filter(tenant=tenant_beta).exists()
    again = periods_close_due(
        actor=Actor.system("fechamento mensal"), now=after_end(date(2026, 3, 1))
    )
    assert again == []


def test_line_amounts_are_exact_products(tenant_alfa: Tenant, contract_alfa: Contract) -> None:
    assert line_amount(3, Decimal("0.3521")) == Decimal("1.0563")


def test_the_close_and_verify_commands(
    tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter
) -> None:
    from io import StringIO

    from django.core.management import CommandError, call_command

    meter(tenant_alfa, "jan", sp(2026, 1, 10))
    out = StringIO()
    call_command("billing_close", "--tenant", "alfa", "--period", "2026-01", stdout=out)
    statement = Statement.objects.get(tenant=tenant_alfa, period=date(2026, 1, 1))
    assert f"closed 01/2026: 1 messages, R$ 0.05, hash {statement.content_hash}" in out.getvalue()

    out = StringIO()
    call_command("billing_verify", "--tenant", "alfa", stdout=out)
    assert "1 statement(s) verified" in out.getvalue()

    with pytest.raises(CommandError, match="01/2026 está fechado"):
        call_command("billing_close", "--tenant", "alfa", "--period", "2026-01")

    # A ledger row changed behind the application's back (triggers disabled by a superuser)
    # is caught by verification.
    with connection.cursor() as cursor:
        cursor.execute("ALTER TABLE billing_usagerecord_p202601 DISABLE TRIGGER USER")
        cursor.execute(
            "UPDATE billing_usagerecord SET unit_price = 0.0001 WHERE message_key = 'jan'"
        )
        cursor.execute("ALTER TABLE billing_usagerecord_p202601 ENABLE TRIGGER USER")
    with pytest.raises(CommandError, match="does not verify"):
        call_command("billing_verify", "--tenant", "alfa")

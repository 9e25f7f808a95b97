"""Manual adjustments: an operator's credit or debit (messages or an amount) with a justification.
It goes into the next open period, shows as an adjustment on the statement (PDF, CSV, XLSX, API)
and on the operator's screens; a closed period is never altered (refused, logged, audited)."""

from __future__ import annotations

import csv
import io
import json
import logging
import subprocess
from collections.abc import Callable
from datetime import UTC, date, datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings
from django.db import IntegrityError, transaction
from django.test import Client
from openpyxl import load_workbook

from accounts.models import User
from accounts.roles import Role
from billing.errors import AdjustmentInvalid, PeriodClosedError
from billing.models import Contract, ManualAdjustment, Statement, StripeInvoice
from billing.money import to_cents
from billing.services.adjustments import (
    AdjustmentRequest,
    adjustment_period_next,
    adjustment_record,
)
from billing.services.closing import statement_verify
from billing.services.stripe_invoicing import stripe_invoice_statement
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.billing.conftest import Close, MakeContract, Meter, sp
from tests.billing.stripe_double import StripeDouble
from tests.conftest import MakeUser, host_of

pytestmark = pytest.mark.django_db

OPERATOR = Actor(user_id=99, label="operador@provedor.test", via="web", ip="127.0.0.1")
JANUARY, FEBRUARY = date(2026, 1, 1), date(2026, 2, 1)
NOW = datetime(2026, 2, 10, 15, tzinfo=UTC)
CREDIT = AdjustmentRequest(
    operation="credit",
    kind="session",
    quantity=2,
    justification="Duplicadas na falha do provedor",
)
DEBIT = AdjustmentRequest(
    operation="debit", amount="12.3456", justification="Configuração extra, aditivo 2/2026"
)


@pytest.fixture
def january(tenant_alfa: Tenant, contract_alfa: Contract, meter: Meter, close: Close) -> Statement:
    meter(tenant_alfa, "jan", sp(2026, 1, 5))
    return close(tenant_alfa, JANUARY)


def statement_state(statement: Statement) -> tuple[str, str, bytes, bytes, bytes]:
    fresh = Statement.objects.get(pk=statement.pk)
    return fresh.content, fresh.content_hash, bytes(fresh.pdf), bytes(fresh.csv), bytes(fresh.xlsx)


def pdf_text(pdf: bytes, tmp_path: Path) -> str:
    source = tmp_path / "extrato.pdf"
    source.write_bytes(pdf)
    result = subprocess.run(
        ["pdftotext", "-layout", str(source), "-"], capture_output=True, check=True, timeout=60
    )
    return " ".join(result.stdout.decode().split())


@pytest.mark.req("6.6.4.1")
def test_adjustments_go_into_the_next_open_period_and_show_on_every_document(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    january: Statement,
    meter: Meter,
    close: Close,
    tmp_path: Path,
) -> None:
    before_january = statement_state(january)
    for n in range(3):
        meter(tenant_alfa, f"feb{n}", sp(2026, 2, 2 + n))

    credit = adjustment_record(
        actor=OPERATOR, tenant=tenant_alfa, request=CREDIT, period=FEBRUARY, now=NOW
    )
    debit = adjustment_record(actor=OPERATOR, tenant=tenant_alfa, request=DEBIT, now=NOW)

    # Messages are valued at the unit price in force; the operation gives the sign.
    assert (credit.billing_period, credit.unit_price, credit.amount) == (
        FEBRUARY,
        Decimal("0.0457"),
        Decimal("0.0914"),
    )
    assert (credit.signed_quantity, credit.signed_amount) == (-2, Decimal("-0.0914"))
    assert (debit.billing_period, debit.kind, debit.quantity, debit.unit_price) == (
        FEBRUARY,
        "",
        0,
        None,
    )
    assert debit.signed_amount == Decimal("12.3456")
    assert credit.recorded_by == "operador@provedor.test"
    created = AuditEntry.objects.filter(action="billing.adjustment.create").order_by("id")
    afters = [entry.after or {} for entry in created]
    assert [(after["operation"], after["signed_amount"]) for after in afters] == [
        ("credit", "-0.0914"),
        ("debit", "12.3456"),
    ]

    february = close(tenant_alfa, FEBRUARY)

    content = json.loads(february.content)
    assert [
        (a["operation"], a["kind"], a["quantity"], a["unit_price"], a["amount"])
        for a in content["adjustments"]
    ] == [
        ("credit", "session", -2, "0.0457", "-0.0914"),
        ("debit", None, 0, None, "12.3456"),
    ]
    assert content["adjustments"][0]["justification"] == "Duplicadas na falha do provedor"
    assert content["adjustments_total"] == {"quantity": -2, "amount": "12.2542"}
    # Usage: 3 x 0,0457 = 0,1371; with the adjustments 0,1371 - 0,0914 + 12,3456 = 12,3913.
    assert content["consumed"]["total"] == 3
    assert content["per_kind"]["session"] == {"quantity": 3, "amount": "0.1371"}
    assert (february.billed_quantity, february.total_exact, february.total_billed) == (
        1,
        Decimal("12.3913"),
        Decimal("12.39"),
    )
    assert statement_verify(february)
    # January, closed before, is untouched; beta got nothing.
    assert statement_state(january) == before_january
    assert not ManualAdjustment.objects.filter(tenant=tenant_beta).exists()

    flat = pdf_text(bytes(february.pdf), tmp_path)
    assert "3a. Ajustes manuais registrados pelo fornecedor" in flat
    # Descriptions wrap inside their cells: check the pieces around the figures.
    assert "Ajuste manual — crédito de 10/02/2026 12:00 por -2 R$ 0,0457 -R$ 0,0914" in flat
    assert "mensagens de sessão: operador@provedor.test Duplicadas na falha do provedor" in flat
    assert "Ajuste manual — débito de valor: 10/02/2026 12:00 por — — R$ 12,3456" in flat
    assert "Total dos ajustes -2 R$ 12,2542" in flat
    assert "Valor exato 1 R$ 12,3913" in flat
    assert "Valor faturado 1 R$ 12,39" in flat
    assert february.content_hash in flat

    rows = list(csv.reader(io.StringIO(bytes(february.csv).decode("utf-8-sig")), delimiter=";"))
    assert rows[0][-1] == "descricao"
    assert {len(row) for row in rows} == {10}
    assert [row[1:] for row in rows if row[0] == "ajuste_manual"] == [
        [
            "credito",
            "2026-02-10",
            "2026-02-10",
            "sessao",
            "",
            "-2",
            "0,0457",
            "-0,0914",
            "Ajuste manual — crédito de mensagens de sessão: Duplicadas na falha do provedor",
        ],
        [
            "debito",
            "2026-02-10",
            "2026-02-10",
            "valor",
            "",
            "0",
            "",
            "12,3456",
            "Ajuste manual — débito de valor: Configuração extra, aditivo 2/2026",
        ],
    ]
    totals = {row[1]: row for row in rows if row[0] == "total"}
    assert totals["ajustes_manuais"][6:9] == ["-2", "", "12,2542"]
    assert totals["valor_faturado"][8] == "12,39"

    workbook = load_workbook(io.BytesIO(bytes(february.xlsx)))
    sheet = list(workbook["Ajustes"].iter_rows(min_row=2, values_only=True))
    assert [(row[0], row[2], Decimal(str(row[4])), row[5]) for row in sheet] == [
        ("Crédito", -2, Decimal("-0.0914"), "Duplicadas na falha do provedor"),
        ("Débito", 0, Decimal("12.3456"), "Configuração extra, aditivo 2/2026"),
    ]
    summary = {row[0]: row[1] for row in workbook["Resumo"].iter_rows(values_only=True)}
    assert Decimal(str(summary["Valor faturado"])) == Decimal("12.39")


def test_a_closed_period_is_never_altered_the_attempt_is_logged_and_audited(
    tenant_alfa: Tenant,
    january: Statement,
    caplog: pytest.LogCaptureFixture,
) -> None:
    before = statement_state(january)

    with (
        caplog.at_level(logging.WARNING, logger="billing.closing"),
        pytest.raises(PeriodClosedError, match="01/2026 está fechado"),
    ):
        adjustment_record(
            actor=OPERATOR, tenant=tenant_alfa, request=DEBIT, period=JANUARY, now=NOW
        )

    assert "refused adjustment.record on closed period 01/2026" in caplog.text
    denied = AuditEntry.objects.get(action="billing.closed_period.denied")
    assert (denied.actor_label, denied.after) == (
        "operador@provedor.test",
        {"attempt": "adjustment.record"},
    )
    assert not ManualAdjustment.objects.exists()
    assert not AuditEntry.objects.filter(action="billing.adjustment.create").exists()
    assert statement_state(january) == before

    # Past the service, the database refuses an adjustment into a closed period...
    with pytest.raises(IntegrityError, match="closed period"), transaction.atomic():
        ManualAdjustment.objects.create(
            tenant=tenant_alfa,
            billing_period=JANUARY,
            operation="debit",
            amount=Decimal("1"),
            justification="Tentativa direta no banco",
            recorded_by="sql",
        )
    # ...and any change to a recorded one: corrections are further adjustments.
    recorded = adjustment_record(actor=OPERATOR, tenant=tenant_alfa, request=DEBIT, now=NOW)
    recorded.amount = Decimal("0.0001")
    with pytest.raises(IntegrityError, match="cannot be altered"), transaction.atomic():
        recorded.save()
    with pytest.raises(IntegrityError, match="cannot be altered"), transaction.atomic():
        ManualAdjustment.objects.filter(pk=recorded.pk).delete()
    assert ManualAdjustment.objects.get(pk=recorded.pk).amount == Decimal("12.3456")
    assert statement_state(january) == before


def test_the_next_open_period_follows_the_last_closed_statement(
    tenant_alfa: Tenant, contract_alfa: Contract, close: Close
) -> None:
    assert adjustment_period_next(tenant_id=tenant_alfa.pk, now=NOW) == FEBRUARY  # none closed
    close(tenant_alfa, date(2026, 3, 1))
    assert adjustment_period_next(tenant_id=tenant_alfa.pk, now=NOW) == date(2026, 4, 1)

    # Asking for another open period than the next one is refused as invalid, not as closed.
    with pytest.raises(AdjustmentInvalid, match="04/2026"):
        adjustment_record(
            actor=OPERATOR, tenant=tenant_alfa, request=DEBIT, period=date(2026, 5, 1), now=NOW
        )
    assert not ManualAdjustment.objects.exists()


@pytest.mark.parametrize(
    ("request_", "field"),
    [
        (AdjustmentRequest(operation="refund", amount="1", justification="x" * 12), "operation"),
        (AdjustmentRequest(operation="credit", amount="1", justification="curta"), "justification"),
        (AdjustmentRequest(operation="credit", justification="sem quantidade"), "quantity"),
        (
            AdjustmentRequest(
                operation="credit", kind="session", quantity=3, amount="1", justification="x" * 12
            ),
            "amount",
        ),
        (AdjustmentRequest(operation="debit", quantity=3, justification="x" * 12), "kind"),
        (AdjustmentRequest(operation="debit", amount="0.00001", justification="x" * 12), "amount"),
        (AdjustmentRequest(operation="debit", amount="-5", justification="x" * 12), "amount"),
        (AdjustmentRequest(operation="debit", amount="abc", justification="x" * 12), "amount"),
        (
            AdjustmentRequest(
                operation="debit", kind="session", quantity=-1, justification="x" * 12
            ),
            "quantity",
        ),
    ],
)
def test_bad_adjustments_are_refused_with_the_field_and_change_nothing(
    tenant_alfa: Tenant, contract_alfa: Contract, request_: AdjustmentRequest, field: str
) -> None:
    with pytest.raises(AdjustmentInvalid) as refused:
        adjustment_record(actor=OPERATOR, tenant=tenant_alfa, request=request_, now=NOW)

    assert refused.value.field == field
    assert not ManualAdjustment.objects.exists()
    assert not AuditEntry.objects.filter(action="billing.adjustment.create").exists()


def test_adjustments_are_invoiced_through_stripe_to_the_cent(
    stripe_double: StripeDouble,
    tenant_alfa: Tenant,
    make_contract: MakeContract,
    meter: Meter,
    close: Close,
) -> None:
    make_contract(tenant_alfa, invoicing="stripe")
    for n in range(3):
        meter(tenant_alfa, f"s{n}", sp(2026, 1, 5 + n))
    adjustment_record(
        actor=OPERATOR,
        tenant=tenant_alfa,
        request=AdjustmentRequest(
            operation="credit", amount="0.0500", justification="Desconto por indisponibilidade"
        ),
        now=datetime(2026, 1, 20, 15, tzinfo=UTC),
    )
    adjustment_record(
        actor=OPERATOR,
        tenant=tenant_alfa,
        request=AdjustmentRequest(
            operation="debit", kind="template", quantity=1, justification="Modelo não medido"
        ),
        now=datetime(2026, 1, 20, 15, tzinfo=UTC),
    )
    statement = close(tenant_alfa, JANUARY)

    invoice = stripe_invoice_statement(statement=statement)

    # 3 x 0,0457 - 0,0500 + 1 x 0,3521 = 0,4392 → R$ 0,44
    assert statement.total_billed == Decimal("0.44")
    stripe_side = stripe_double.invoices[str(invoice.invoice_id)]
    assert stripe_side["total"] == invoice.invoice_cents == to_cents(statement.total_billed) == 44
    lines = sorted(
        (line["metadata"]["line"], line["amount"]) for line in stripe_side["lines"]["data"]
    )
    ids = list(ManualAdjustment.objects.order_by("id").values_list("id", flat=True))
    assert lines == sorted(
        [("line-0", 14), (f"adjustment-{ids[0]}", -5), (f"adjustment-{ids[1]}", 35)]
    )
    assert StripeInvoice.objects.get(statement=statement).status == "open"


# --- The operator's screen and API --------------------------------------------------------


def public_client(user: User | None = None) -> Client:
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    if user is not None:
        client.force_login(user)
    return client


FORM: dict[str, Any] = {
    "period": "2026-02",
    "operation": "credit",
    "kind": "",
    "quantity": "",
    "amount": "5",
    "justification": "Compensação pela indisponibilidade de 12/01",
}


@audits_route("public:billing_ops:adjustments")
def test_the_operator_records_an_adjustment_on_the_screen_and_sees_it(
    operator_client: Client,
    tenant_alfa: Tenant,
    january: Statement,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> None:
    page = operator_client.get("/faturamento/clientes/alfa/ajustes/")
    assert page.status_code == 200
    assert "O ajuste entra no extrato do próximo período aberto, <strong>02/2026</strong>" in (
        page.content.decode()
    )

    response = operator_client.post("/faturamento/clientes/alfa/ajustes/", FORM)

    assert response.status_code == 302
    adjustment = ManualAdjustment.objects.get(tenant=tenant_alfa)
    assert (adjustment.billing_period, adjustment.signed_amount) == (FEBRUARY, Decimal("-5"))
    entry = AuditEntry.objects.get(action="billing.adjustment.create")
    assert (entry.actor_label, entry.via, entry.object_id) == (
        "operador@provedor.test",
        "web",
        str(adjustment.pk),
    )
    listing = operator_client.get("/faturamento/clientes/alfa/ajustes/").content.decode()
    assert "Compensação pela indisponibilidade de 12/01" in listing
    assert "-R$ 5,0000" in listing
    # The operator's consumption screen shows the month's adjustments per client.
    overview = operator_client.get("/faturamento/?periodo=2026-02").content.decode()
    assert "1 ajuste" in overview and "-R$ 5,0000" in overview
    rows = {
        row["slug"]: row
        for row in operator_client.get("/api/billing/consumption?period=2026-02").json()
    }
    assert (rows["alfa"]["adjustments"], rows["alfa"]["adjustments_amount"]) == (1, "-5.0000")
    assert (rows["beta"]["adjustments"], rows["beta"]["adjustments_amount"]) == (0, "0")
    listed = operator_client.get("/api/billing/tenants/alfa/adjustments").json()
    assert [(row["billing_period"], row["closed"], row["signed_amount"]) for row in listed] == [
        ("2026-02", False, "-5.0000")
    ]
    assert operator_client.get("/api/billing/tenants/beta/adjustments").json() == []
    # The tenant's auditor sees it on the open period's statement, marked as an adjustment.
    token = token_for(tenant_alfa, make_user(tenant_alfa, Role.AUDITOR))
    tenant_api = Client(HTTP_HOST=host_of(tenant_alfa), HTTP_AUTHORIZATION=f"Bearer {token}")
    detail = tenant_api.get("/api/billing/statements/2026-02").json()
    assert detail["closed"] is False
    assert [(a["operation"], a["amount"]) for a in detail["adjustments"]] == [("credit", "-5.0000")]
    assert detail["total_exact"] == "-5.0000"


def test_a_form_for_a_period_that_closed_meanwhile_is_refused_logged_and_audited(
    operator_client: Client,
    tenant_alfa: Tenant,
    january: Statement,
    close: Close,
    caplog: pytest.LogCaptureFixture,
) -> None:
    # The operator opened the form while 02/2026 was the next open period; it closed since.
    february = close(tenant_alfa, FEBRUARY)
    before = statement_state(february)

    with caplog.at_level(logging.WARNING, logger="billing.closing"):
        response = operator_client.post("/faturamento/clientes/alfa/ajustes/", FORM)

    assert response.status_code == 200
    assert "O período 02/2026 está fechado e não pode ser alterado" in response.content.decode()
    assert "refused adjustment.record on closed period 02/2026" in caplog.text
    assert (
        AuditEntry.objects.filter(
            action="billing.closed_period.denied", actor_label="operador@provedor.test"
        ).count()
        == 1
    )
    assert not ManualAdjustment.objects.exists()
    assert statement_state(february) == before


def test_bad_input_on_the_screen_gets_a_clear_message_and_changes_nothing(
    operator_client: Client, tenant_alfa: Tenant, january: Statement
) -> None:
    response = operator_client.post(
        "/faturamento/clientes/alfa/ajustes/",
        {**FORM, "kind": "session", "quantity": "3", "amount": "5"},
    )

    assert response.status_code == 200
    assert "Informe mensagens ou valor, não os dois" in response.content.decode()
    response = operator_client.post(
        "/faturamento/clientes/alfa/ajustes/", {**FORM, "justification": ""}
    )
    assert response.status_code == 200
    assert not ManualAdjustment.objects.exists()
    assert not AuditEntry.objects.filter(action="billing.adjustment.create").exists()


def test_only_operators_record_adjustments(
    tenant_alfa: Tenant,
    january: Statement,
    make_user: MakeUser,
    client_for: Callable[..., Client],
) -> None:
    staffless = User.objects.create_user(
        "visitante@provedor.test", "Senha-de-Teste-2026", full_name="Visitante"
    )
    assert public_client().post("/faturamento/clientes/alfa/ajustes/", FORM).status_code == 302
    assert (
        public_client(staffless).post("/faturamento/clientes/alfa/ajustes/", FORM).status_code
        == 403
    )
    assert public_client(staffless).get("/api/billing/tenants/alfa/adjustments").status_code == 403
    # A tenant's administrator on the tenant host has no such route.
    admin = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    assert admin.post("/faturamento/clientes/alfa/ajustes/", FORM).status_code == 404

    assert not ManualAdjustment.objects.exists()
    assert not AuditEntry.objects.filter(action="billing.adjustment.create").exists()

"""The monthly availability report per client, from recorded downtime to CSV and PDF
(REQ 6.2.2-6.2.5). October 2026 has 31 days (44,640 minutes: 99.9% allows 44.64)."""

from __future__ import annotations

import csv
import io
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from controlplane.reports.availability_report import report_csv, tenant_availability_report
from controlplane.services.downtime import downtime_exclude_for_tenant
from security.actors import Actor
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant

from .conftest import sp

pytestmark = pytest.mark.django_db

FIREWALL = "A prefeitura bloqueou no firewall o IP de saída dos webhooks"


def parse_csv(text: str) -> tuple[dict[str, str], list[dict[str, str]]]:
    summary_text, rows_text = text.lstrip("\ufeff").split("\r\n\r\n", 1)
    summary = {row[0]: row[1] for row in csv.reader(io.StringIO(summary_text), delimiter=";")}
    rows = list(csv.DictReader(io.StringIO(rows_text), delimiter=";"))
    return summary, rows


@pytest.fixture
def october(record_downtime: Callable[..., Any], tenant_alfa: Tenant, tenant_beta: Tenant) -> None:
    # API and console overlap for 10 minutes: 10:00-10:30 counts 30 minutes, not 40.
    record_downtime("api", sp(2026, 10, 5, 10, 0), sp(2026, 10, 5, 10, 20), cause="banco lento")
    record_downtime("web", sp(2026, 10, 5, 10, 10), sp(2026, 10, 5, 10, 30), cause="banco lento")
    # Planned maintenance across midnight counts (6.2.5): 20 minutes.
    record_downtime(
        "intake",
        sp(2026, 10, 10, 23, 50),
        sp(2026, 10, 11, 0, 10),
        cause="Manutenção programada: troca de servidor",
        maintenance=True,
    )
    # The client's firewall: 60 minutes, excluded for alfa only (6.2.4).
    caused = record_downtime(
        "channel.whatsapp", sp(2026, 10, 20, 14), sp(2026, 10, 20, 15), cause="webhooks recusados"
    )
    downtime_exclude_for_tenant(
        actor=Actor.command("tests"), downtime=caused, tenant=tenant_alfa, justification=FIREWALL
    )
    # Crossing the month boundary: 5 minutes in October, 5 in November.
    record_downtime("api", sp(2026, 10, 31, 23, 55), sp(2026, 11, 1, 0, 5), cause="deploy")
    # Reports are not critical: they do not make the platform unavailable.
    record_downtime("reports", sp(2026, 10, 15, 9), sp(2026, 10, 15, 10), cause="ClickHouse")
    # Only beta's own channel: never in alfa's report.
    record_downtime(
        "channel.telegram",
        sp(2026, 10, 25, 8),
        sp(2026, 10, 25, 9),
        cause="token do bot revogado",
        tenant=tenant_beta,
    )


@pytest.mark.req("6.2.2")
@pytest.mark.req("6.2.3")
@pytest.mark.req("6.2.4")
@pytest.mark.req("6.2.5")
@pytest.mark.usefixtures("october")
def test_report_counts_overlaps_once_maintenance_in_client_caused_out(tenant_alfa: Tenant) -> None:
    report = tenant_availability_report(
        tenant=tenant_alfa, year=2026, month=10, now=sp(2026, 12, 5)
    )

    platform = report.platform
    assert platform.minutes_in_month == Decimal(44640)
    assert report.downtime_minutes == Decimal("55.000")  # 30 + 20 + 5
    assert report.maintenance_minutes == Decimal("20.000")
    assert report.excluded_minutes == Decimal("60.000")
    assert platform.availability_percent == Decimal("99.877")  # 44585 / 44640
    assert platform.allowed_minutes_display == Decimal("44.6")
    assert platform.within_cap is False and platform.within_sla is False
    assert [(row.component, row.minutes) for row in report.rows] == [
        ("api", Decimal(20)),
        ("web", Decimal(20)),
        ("intake", Decimal(20)),
        ("reports", Decimal(60)),
        ("channel.whatsapp", Decimal(60)),
        ("api", Decimal(5)),
    ]
    excluded = [row for row in report.rows if row.excluded]
    assert [(row.component, row.exclusion_reason) for row in excluded] == [
        ("channel.whatsapp", FIREWALL)
    ]


@pytest.mark.req("6.2.4")
@pytest.mark.usefixtures("october")
def test_a_fall_caused_by_one_client_still_counts_for_the_others(tenant_beta: Tenant) -> None:
    report = tenant_availability_report(
        tenant=tenant_beta, year=2026, month=10, now=sp(2026, 12, 5)
    )

    # 55 + the WhatsApp hour that alfa caused + beta's own Telegram hour.
    assert report.downtime_minutes == Decimal("175.000")
    assert report.excluded_minutes == Decimal(0)
    assert report.platform.availability_percent == Decimal("99.608")  # 44465 / 44640


@pytest.mark.req("6.2.2")
@pytest.mark.usefixtures("october")
def test_next_month_gets_only_its_part_of_the_boundary_interval(tenant_alfa: Tenant) -> None:
    report = tenant_availability_report(
        tenant=tenant_alfa, year=2026, month=11, now=sp(2026, 12, 5)
    )

    assert report.platform.minutes_in_month == Decimal(43200)
    assert report.downtime_minutes == Decimal("5.000")
    assert report.platform.availability_percent == Decimal("99.988")
    assert report.platform.allowed_minutes_display == Decimal("43.2")
    assert report.platform.within_cap and report.platform.within_sla


@pytest.mark.req("6.2.2")
def test_february_28_days_41_minutes_is_within_cap_but_not_99_9(
    record_downtime: Callable[..., Any], tenant_alfa: Tenant
) -> None:
    record_downtime("web", sp(2026, 2, 10, 9), sp(2026, 2, 10, 9, 41))

    platform = tenant_availability_report(
        tenant=tenant_alfa, year=2026, month=2, now=sp(2026, 12, 5)
    ).platform

    assert platform.minutes_in_month == Decimal(40320)
    assert platform.allowed_minutes == Decimal("40.32")
    assert platform.within_cap is True
    assert platform.within_sla is False
    assert platform.availability_percent == Decimal("99.898")


@pytest.mark.req("6.2.2")
def test_csv_has_three_decimals_the_cap_and_each_interval(
    october: None, tenant_alfa: Tenant
) -> None:
    report = tenant_availability_report(
        tenant=tenant_alfa, year=2026, month=10, now=sp(2026, 12, 5)
    )

    summary, rows = parse_csv(report_csv(report))

    assert summary["disponibilidade_percentual"] == "99.877"
    assert summary["minutos_indisponiveis"] == "55.000"
    assert summary["limite_minutos_contrato"] == "45"
    assert summary["limite_minutos_99_9"] == "44.64"
    assert summary["minutos_excluidos_causa_cliente"] == "60.000"
    assert summary["dentro_do_limite_45_min"] == "não"
    assert len(rows) == 6
    whatsapp = rows[4]
    assert whatsapp["componente"] == "Entrega — WhatsApp"
    assert whatsapp["inicio"] == "2026-10-20T14:00:00-03:00"
    assert whatsapp["fim"] == "2026-10-20T15:00:00-03:00"
    assert whatsapp["minutos"] == "60.000"
    assert (whatsapp["manutencao"], whatsapp["excluida"]) == ("não", "sim")
    assert whatsapp["motivo_exclusao"] == FIREWALL
    assert rows[2]["manutencao"] == "sim"
    assert rows[5]["fim"] == "2026-11-01T00:00:00-03:00"  # cut at the month's end


@pytest.mark.req("6.2.6")
@pytest.mark.usefixtures("october")
def test_auditor_downloads_pdf_and_csv_on_the_tenant_host(
    tenant_alfa: Tenant, make_user: Callable[..., Any], client_for: Callable[..., Client]
) -> None:
    auditor = make_user(tenant_alfa, Role.AUDITOR)
    client = client_for(tenant_alfa, auditor)

    pdf = client.get("/relatorios/disponibilidade/2026/10/pdf/")
    csv_response = client.get("/relatorios/disponibilidade/2026/10/csv/")
    page = client.get("/relatorios/disponibilidade/2026/10/")

    assert pdf.status_code == 200
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF-")
    assert pdf["Content-Disposition"] == ('attachment; filename="disponibilidade-alfa-2026-10.pdf"')
    assert csv_response.status_code == 200
    summary, _rows = parse_csv(csv_response.content.decode())
    assert summary["disponibilidade_percentual"] == "99.877"
    assert page.status_code == 200
    assert b'data-availability="99.877"' in page.content
    assert FIREWALL.encode() in page.content


@pytest.mark.parametrize("role", [Role.AGENT])
def test_agents_cannot_read_availability_reports(
    role: str,
    tenant_alfa: Tenant,
    make_user: Callable[..., Any],
    client_for: Callable[..., Client],
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, role))

    assert client.get("/relatorios/disponibilidade/").status_code == 403
    assert client.get("/relatorios/disponibilidade/2026/10/pdf/").status_code == 403


def test_anonymous_is_sent_to_sign_in(
    tenant_alfa: Tenant, client_for: Callable[..., Client]
) -> None:
    response = client_for(tenant_alfa).get("/relatorios/disponibilidade/2026/10/csv/")

    assert response.status_code == 302
    assert "/conta/entrar/" in response["Location"]


def test_exclusion_needs_a_justification_and_is_audited(
    record_downtime: Callable[..., Any], tenant_alfa: Tenant
) -> None:
    from controlplane.errors import DowntimeError

    downtime = record_downtime("api", sp(2026, 10, 1, 8), sp(2026, 10, 1, 9))
    with pytest.raises(DowntimeError) as short:
        downtime_exclude_for_tenant(
            actor=Actor.command("tests"),
            downtime=downtime,
            tenant=tenant_alfa,
            justification="culpa deles",
        )
    assert "pelo menos 20 caracteres" in short.value.message

    downtime_exclude_for_tenant(
        actor=Actor.command("tests"), downtime=downtime, tenant=tenant_alfa, justification=FIREWALL
    )

    entry = AuditEntry.objects.get(action="downtime.exclude", object_id=str(downtime.pk))
    assert entry.after is not None
    assert entry.after["tenant"] == "alfa"
    assert entry.after["justification"] == FIREWALL


@audits_route("public:controlplane:downtime_exclude")
def test_operator_marks_client_caused_through_the_screen(
    operator_client: Client, record_downtime: Callable[..., Any], tenant_alfa: Tenant
) -> None:
    downtime = record_downtime("api", sp(2026, 10, 1, 8), sp(2026, 10, 1, 9))

    response = operator_client.post(
        f"/controle/indisponibilidades/{downtime.pk}/causada-pelo-cliente/",
        {"tenant": tenant_alfa.pk, "justification": FIREWALL},
    )

    assert response.status_code == 302
    assert downtime.exclusions.get().tenant == tenant_alfa
    listing = operator_client.get("/controle/indisponibilidades/?mes=2026-10")
    assert FIREWALL.encode() in listing.content

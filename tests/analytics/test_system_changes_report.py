"""Report 6.5.48.9 ("por atualizações no sistema") on a known data set, São Paulo day and
month boundaries, and its CSV and XLSX files (6.5.48.13)."""

from __future__ import annotations

import csv
import io
from datetime import UTC, date, datetime

import pytest
from openpyxl import load_workbook

from analytics.downloads import report_csv, report_xlsx
from analytics.export import tenant_export
from analytics.reports.base import Granularity, Period
from analytics.reports.system_changes import SystemChangesReport
from tenants.models import Tenant
from tests.analytics.conftest import AuditAt

pytestmark = pytest.mark.django_db

MARCH = Period(start=date(2026, 3, 1), end=date(2026, 3, 31))


def utc(day: int, hour: int, minute: int = 0, month: int = 3) -> datetime:
    return datetime(2026, month, day, hour, minute, tzinfo=UTC)


@pytest.fixture
def known_changes(tenant: Tenant, audit_at: AuditAt) -> Tenant:
    """Five changes in March 2026 (São Paulo is UTC-3, no daylight saving in 2026):

    | UTC              | São Paulo        | user  | action      | object             |
    | 03-02 13:00      | 03-02 10:00      | ana   | user.invite | accounts.user #1   |
    | 03-02 14:00      | 03-02 11:00      | ana   | user.update | accounts.user #1   |
    | 03-03 02:30      | 03-02 23:30      | ana   | user.update | accounts.user #2   |
    | 03-03 12:00      | 03-03 09:00      | bruno | team.create | desk.team #7       |
    | 03-03 12:30      | 03-03 09:30      | bruno | policy.update (no object)       |
    | 04-01 02:59      | 03-31 23:59      | carla | channel.update | channels.channel #3 |

    plus one in February, and the provisioning entries of today, outside these months.
    """
    ana, bruno = "ana@pm.gov.br", "bruno@pm.gov.br"
    audit_at(
        tenant,
        utc(2, 13),
        actor=ana,
        action="user.invite",
        object_type="accounts.user",
        object_id="1",
    )
    audit_at(
        tenant,
        utc(2, 14),
        actor=ana,
        action="user.update",
        object_type="accounts.user",
        object_id="1",
        before={"role": "atendente"},
        after={"role": "supervisor"},
    )
    audit_at(
        tenant,
        utc(3, 2, 30),
        actor=ana,
        action="user.update",
        object_type="accounts.user",
        object_id="2",
    )
    audit_at(
        tenant,
        utc(3, 12),
        actor=bruno,
        action="team.create",
        object_type="desk.team",
        object_id="7",
    )
    audit_at(tenant, utc(3, 12, 30), actor=bruno, action="policy.update")
    audit_at(
        tenant,
        utc(1, 2, 59, month=4),
        actor="carla@pm.gov.br",
        action="channel.update",
        object_type="channels.channel",
        object_id="3",
    )
    audit_at(
        tenant,
        utc(27, 12, month=2),
        actor=ana,
        action="user.update",
        object_type="accounts.user",
        object_id="1",
    )
    tenant_export(tenant=tenant, wait=True)
    return tenant


@pytest.mark.req("6.5.48.9")
def test_changes_by_day_user_action_and_object_type(known_changes: Tenant) -> None:
    result = SystemChangesReport(
        tenant_id=known_changes.pk, period=Period(date(2026, 3, 1), date(2026, 3, 30))
    ).run()

    assert [column.key for column in result.columns] == [
        "periodo",
        "usuario",
        "acao",
        "tipo_objeto",
        "alteracoes",
        "objetos",
    ]
    assert result.rows == [
        (date(2026, 3, 2), "ana@pm.gov.br", "user.invite", "accounts.user", 1, 1),
        (date(2026, 3, 2), "ana@pm.gov.br", "user.update", "accounts.user", 2, 2),
        (date(2026, 3, 3), "bruno@pm.gov.br", "policy.update", "", 1, 0),
        (date(2026, 3, 3), "bruno@pm.gov.br", "team.create", "desk.team", 1, 1),
    ]
    # 3 distinct objects changed: user 1, user 2, team 7
    assert result.totals == {"alteracoes": 5, "objetos": 3}
    assert result.truncated is False


@pytest.mark.req("6.5.48.9")
def test_changes_by_user_only_and_filtered_by_action(known_changes: Tenant) -> None:
    by_user = SystemChangesReport(
        tenant_id=known_changes.pk, period=MARCH, dimensions=["usuario"]
    ).run()
    assert by_user.rows == [
        ("ana@pm.gov.br", 3, 2),
        ("bruno@pm.gov.br", 2, 1),
        ("carla@pm.gov.br", 1, 1),
    ]

    updates = SystemChangesReport(
        tenant_id=known_changes.pk,
        period=MARCH,
        dimensions=["periodo", "usuario"],
        filters={"acao": "user.update"},
    ).run()
    assert updates.rows == [(date(2026, 3, 2), "ana@pm.gov.br", 2, 2)]
    assert updates.totals == {"alteracoes": 2, "objetos": 2}


@pytest.mark.req("6.5.48.9")
def test_sao_paulo_day_and_month_boundaries(known_changes: Tenant) -> None:
    # 03-03 02:30 UTC is 03-02 23:30 in São Paulo: the 2nd has 3 changes, the 3rd has 2
    by_day = SystemChangesReport(
        tenant_id=known_changes.pk, period=MARCH, dimensions=["periodo"]
    ).run()
    assert by_day.rows == [
        (date(2026, 3, 2), 3, 2),
        (date(2026, 3, 3), 2, 1),
        (date(2026, 3, 31), 1, 1),
    ]

    # A São Paulo day starts at 03:00 UTC: the change at 02:30 UTC on the 3rd is the 2nd's
    only_third = SystemChangesReport(
        tenant_id=known_changes.pk, period=Period(date(2026, 3, 3), date(2026, 3, 3))
    ).run()
    assert only_third.totals == {"alteracoes": 2, "objetos": 1}

    # April 1st 02:59 UTC is still March in São Paulo; February stays in February
    by_month = SystemChangesReport(
        tenant_id=known_changes.pk,
        period=Period(date(2026, 2, 1), date(2026, 4, 30)),
        granularity=Granularity.MONTH,
        dimensions=["periodo"],
    ).run()
    assert by_month.rows == [(date(2026, 2, 1), 1, 1), (date(2026, 3, 1), 6, 4)]


@pytest.mark.req("6.5.48.13")
def test_csv_export_opens_with_the_figures(known_changes: Tenant) -> None:
    result = SystemChangesReport(tenant_id=known_changes.pk, period=MARCH).run()

    content = report_csv(result)

    assert content.startswith("\ufeff".encode())
    rows = list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))
    assert rows == [
        ["Período", "Usuário", "Ação", "Tipo de objeto", "Alterações", "Objetos alterados"],
        ["02/03/2026", "ana@pm.gov.br", "user.invite", "accounts.user", "1", "1"],
        ["02/03/2026", "ana@pm.gov.br", "user.update", "accounts.user", "2", "2"],
        ["03/03/2026", "bruno@pm.gov.br", "policy.update", "", "1", "0"],
        ["03/03/2026", "bruno@pm.gov.br", "team.create", "desk.team", "1", "1"],
        ["31/03/2026", "carla@pm.gov.br", "channel.update", "channels.channel", "1", "1"],
        ["Total", "", "", "", "6", "4"],
    ]


@pytest.mark.req("6.5.48.13")
def test_xlsx_export_opens_with_typed_cells(known_changes: Tenant) -> None:
    result = SystemChangesReport(
        tenant_id=known_changes.pk, period=MARCH, granularity=Granularity.MONTH
    ).run()

    workbook = load_workbook(io.BytesIO(report_xlsx(result, title="Alterações no sistema")))

    sheet = workbook.active
    values = [[cell.value for cell in row] for row in sheet.iter_rows()]
    assert values == [
        ["Período", "Usuário", "Ação", "Tipo de objeto", "Alterações", "Objetos alterados"],
        [datetime(2026, 3, 1), "ana@pm.gov.br", "user.invite", "accounts.user", 1, 1],
        [datetime(2026, 3, 1), "ana@pm.gov.br", "user.update", "accounts.user", 2, 2],
        [datetime(2026, 3, 1), "bruno@pm.gov.br", "policy.update", None, 1, 0],
        [datetime(2026, 3, 1), "bruno@pm.gov.br", "team.create", "desk.team", 1, 1],
        [datetime(2026, 3, 1), "carla@pm.gov.br", "channel.update", "channels.channel", 1, 1],
        ["Total", None, None, None, 6, 4],
    ]
    assert sheet.title == "Alterações no sistema"
    assert sheet["A2"].number_format == "MM/YYYY"
    assert sheet["A1"].font.bold is True

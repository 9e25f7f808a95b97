"""What goes into a client's monthly availability report.

The headline figure is the platform's (down whenever a critical component is down, overlaps
counted once); each component follows with its own figure; then every interval of the month with
its start, end, cause, whether it was planned maintenance and whether it was excluded and why.
"""

from __future__ import annotations

import csv
import io
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from controlplane.availability import (
    ComponentReport,
    ReportRow,
    component_availability,
    month_window,
    platform_availability,
)
from controlplane.components import Component, component_name, components, critical_component_keys
from controlplane.selectors.availability import downtime_intervals_for_tenant
from core.timezones import SAO_PAULO
from core.validators import format_cnpj
from tenants.models import Tenant

MINUTES = Decimal("0.001")


@dataclass(frozen=True)
class ComponentLine:
    component: Component
    report: ComponentReport


@dataclass(frozen=True)
class TenantAvailabilityReport:
    tenant: Tenant
    year: int
    month: int
    generated_at: datetime
    platform: ComponentReport
    lines: list[ComponentLine]
    rows: list[ReportRow]
    critical_names: list[str]

    @property
    def period_label(self) -> str:
        return f"{self.month:02d}/{self.year:04d}"

    @property
    def downtime_minutes(self) -> Decimal:
        return self.platform.downtime_minutes.quantize(MINUTES)

    @property
    def excluded_minutes(self) -> Decimal:
        return self.platform.excluded_minutes.quantize(MINUTES)

    @property
    def maintenance_minutes(self) -> Decimal:
        return self.platform.maintenance_minutes.quantize(MINUTES)

    @property
    def cap_remaining_minutes(self) -> Decimal:
        return (self.platform.cap_minutes - self.platform.downtime_minutes).quantize(MINUTES)

    @property
    def allowed_remaining_minutes(self) -> Decimal:
        return (self.platform.allowed_minutes - self.platform.downtime_minutes).quantize(MINUTES)

    @property
    def display_rows(self) -> list[dict[str, Any]]:
        """The intervals as shown to people: component names, São Paulo times."""
        return [
            {
                "component": component_name(row.component),
                "start": _local(row.start),
                "end": _local(row.end),
                "minutes": row.minutes.quantize(MINUTES),
                "cause": row.cause,
                "is_maintenance": row.is_maintenance,
                "excluded": row.excluded,
                "exclusion_reason": row.exclusion_reason,
                "ongoing": row.ongoing,
            }
            for row in self.rows
        ]


def tenant_availability_report(
    *, tenant: Tenant, year: int, month: int, now: datetime | None = None
) -> TenantAvailabilityReport:
    now = now or timezone.now()
    window = month_window(year, month)
    intervals = downtime_intervals_for_tenant(tenant=tenant, start=window.start, end=window.end)
    critical = critical_component_keys()
    lines = [
        ComponentLine(
            component, component_availability(intervals, year, month, now, component=component.key)
        )
        for component in components()
    ]
    rows = sorted(
        (row for line in lines for row in line.report.rows),
        key=lambda row: (row.start, row.component),
    )
    return TenantAvailabilityReport(
        tenant=tenant,
        year=year,
        month=month,
        generated_at=now,
        platform=platform_availability(intervals, critical, year, month, now),
        lines=lines,
        rows=rows,
        critical_names=[component_name(key) for key in critical],
    )


def _local(moment: datetime) -> str:
    return moment.astimezone(SAO_PAULO).strftime("%d/%m/%Y %H:%M:%S")


def _yes_no(value: bool) -> str:
    return _("sim") if value else _("não")


def report_csv(report: TenantAvailabilityReport) -> str:
    """Two blocks: the month's figures (indicator;value), a blank line, then every interval.

    Semicolons and decimal points: opens in spreadsheets set to pt-BR without splitting
    decimals, and reads back exactly.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer, delimiter=";", lineterminator="\r\n")
    platform = report.platform
    writer.writerow([_("indicador"), _("valor")])
    writer.writerows(
        [
            [_("cliente"), report.tenant.name],
            [_("mes"), f"{report.year:04d}-{report.month:02d}"],
            [_("minutos_no_mes"), str(platform.minutes_in_month.normalize())],
            [_("disponibilidade_percentual"), str(platform.availability_percent)],
            [_("minutos_indisponiveis"), str(report.downtime_minutes)],
            [_("minutos_de_manutencao_programada"), str(report.maintenance_minutes)],
            [_("minutos_excluidos_causa_cliente"), str(report.excluded_minutes)],
            [_("limite_minutos_contrato"), str(platform.cap_minutes)],
            [_("limite_minutos_99_9"), str(platform.allowed_minutes.normalize())],
            [_("dentro_do_limite_45_min"), _yes_no(platform.within_cap)],
            [_("dentro_de_99_9"), _yes_no(platform.within_sla)],
            [_("mes_encerrado"), _yes_no(platform.is_closed)],
        ]
    )
    writer.writerow([])
    writer.writerow(
        [
            _("componente"),
            _("inicio"),
            _("fim"),
            _("minutos"),
            _("causa"),
            _("manutencao"),
            _("excluida"),
            _("motivo_exclusao"),
            _("em_andamento"),
        ]
    )
    for row in report.rows:
        writer.writerow(
            [
                component_name(row.component),
                row.start.astimezone(SAO_PAULO).isoformat(),
                row.end.astimezone(SAO_PAULO).isoformat(),
                str(row.minutes.quantize(MINUTES)),
                row.cause,
                _yes_no(row.is_maintenance),
                _yes_no(row.excluded),
                row.exclusion_reason,
                _yes_no(row.ongoing),
            ]
        )
    return buffer.getvalue()


def report_html(report: TenantAvailabilityReport) -> str:
    return render_to_string(
        "controlplane/reports/availability_pdf.html",
        {
            "report": report,
            "platform": report.platform,
            "cnpj": format_cnpj(report.tenant.cnpj) if report.tenant.cnpj else "",
            "rows": report.display_rows,
            "generated_at": _local(report.generated_at),
            "window_start": _local(report.platform.window.start),
            "window_end": _local(report.platform.window.end),
        },
    )


def report_pdf(report: TenantAvailabilityReport) -> bytes:
    from weasyprint import HTML

    return bytes(HTML(string=report_html(report)).write_pdf())


def report_filename(report: TenantAvailabilityReport, extension: str) -> str:
    return f"disponibilidade-{report.tenant.slug}-{report.year:04d}-{report.month:02d}.{extension}"


def available_months(*, now: datetime | None = None, count: int = 12) -> list[tuple[int, int]]:
    """The current São Paulo month and the `count - 1` before it, newest first."""
    now = now or timezone.now()
    today = now.astimezone(SAO_PAULO).date()
    year, month = today.year, today.month
    months = []
    for _index in range(count):
        months.append((year, month))
        year, month = (year - 1, 12) if month == 1 else (year, month - 1)
    return months


def month_window_valid(year: int, month: int, *, now: datetime | None = None) -> bool:
    now = now or timezone.now()
    if not 1 <= month <= 12 or year < 2000:
        return False
    return month_window(year, month).start <= now

"""The reports of 6.5.48, one query class each (analytics/reports/base.py), by slug."""

from __future__ import annotations

from analytics.reports.base import Report
from analytics.reports.captured_data import CapturedDataReport
from analytics.reports.custom import CustomReport
from analytics.reports.operations import (
    AgentReport,
    BetweenAgentsReport,
    ChannelTeamReport,
    ConsumptionReport,
    DispositionReport,
    GlobalTotalsReport,
    PauseReport,
    ProtocolReport,
    SatisfactionReport,
    TransfersBetweenAgentsReport,
)
from analytics.reports.system_changes import SystemChangesReport

REPORTS: dict[str, type[Report]] = {}


def report_register(report: type[Report]) -> type[Report]:
    """Adds a report class (usable as a class decorator by the reports to come)."""
    REPORTS[report.slug] = report
    return report


def report_get(slug: str) -> type[Report] | None:
    return REPORTS.get(slug)


for _report in (
    GlobalTotalsReport,
    ChannelTeamReport,
    AgentReport,
    PauseReport,
    DispositionReport,
    ProtocolReport,
    SystemChangesReport,
    CapturedDataReport,
    BetweenAgentsReport,
    TransfersBetweenAgentsReport,
    SatisfactionReport,
    ConsumptionReport,
    CustomReport,
):
    report_register(_report)

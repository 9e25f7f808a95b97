"""The reports component: proves a report can still be produced.

A one-page PDF is rendered from a template with WeasyPrint, the engine of every PDF report
(availability, statements); when `CLICKHOUSE_URL` names a server, one query goes through the
analytics client the dashboards use. Any exception is the probe's failure.
"""

from __future__ import annotations

import time

from django.conf import settings
from django.template.loader import render_to_string
from django.utils import timezone

from controlplane import conf
from controlplane.probes.registry import ProbeOutcome

PDF_MAGIC = b"%PDF-"


def _elapsed_ms(started: float) -> int:
    return int((time.monotonic() - started) * 1000)


def report_pdf_render() -> bytes:
    from weasyprint import HTML

    html = render_to_string(
        conf.report_probe_template(),
        {"title": "Sonda de relatórios", "generated_at": timezone.now().isoformat()},
    )
    pdf = bytes(HTML(string=html).write_pdf())
    if not pdf.startswith(PDF_MAGIC):
        raise ValueError("WeasyPrint não produziu um PDF")
    return pdf


def analytics_query() -> None:
    from analytics.client import get_client

    result = get_client().query("SELECT 1")
    if list(result.result_rows) != [(1,)]:
        raise ValueError(f"ClickHouse respondeu {result.result_rows!r} a SELECT 1")


def check_reports() -> ProbeOutcome:
    started = time.monotonic()
    pdf = report_pdf_render()
    parts = [f"PDF {len(pdf)} bytes"]
    if getattr(settings, "CLICKHOUSE_URL", ""):
        analytics_query()
        parts.append("ClickHouse SELECT 1")
    return ProbeOutcome.ok("; ".join(parts), _elapsed_ms(started))

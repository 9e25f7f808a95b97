"""The reports probe: a WeasyPrint render and, with a ClickHouse server, one query (6.2.6)."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from django.template import TemplateSyntaxError
from django.utils import timezone

import analytics.client
from controlplane.models import ProbeState
from controlplane.probes.registry import OutcomeKind, probe_get
from controlplane.probes.reports import check_reports, report_pdf_render
from controlplane.probes.runner import probes_run


@dataclass
class QueryResult:
    result_rows: list[tuple[int, ...]]


@dataclass
class RecordingClient:
    rows: list[tuple[int, ...]]
    queries: list[str] = field(default_factory=list)

    def query(self, sql: str) -> QueryResult:
        self.queries.append(sql)
        return QueryResult(self.rows)


@pytest.fixture
def broken_template(settings: Any, tmp_path: Path) -> None:
    (tmp_path / "relatorio_quebrado.html").write_text("<p>{% if %}</p>", encoding="utf-8")
    templates = [dict(engine) for engine in settings.TEMPLATES]
    templates[0]["DIRS"] = [*templates[0].get("DIRS", []), str(tmp_path)]
    settings.TEMPLATES = templates
    settings.STATUS_PROBE_REPORT_TEMPLATE = "relatorio_quebrado.html"


def test_the_reports_probe_watches_the_reports_component() -> None:
    probe = probe_get("reports")
    assert probe is not None
    assert probe.components == ("reports",)


@pytest.mark.req("6.2.6")
def test_a_pdf_is_rendered_without_clickhouse(settings: Any) -> None:
    settings.CLICKHOUSE_URL = ""

    outcome = check_reports()

    assert outcome.kind == OutcomeKind.OK
    assert re.fullmatch(r"PDF \d+ bytes", outcome.detail)
    assert report_pdf_render().startswith(b"%PDF-")


def test_with_a_clickhouse_server_one_query_runs(
    settings: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings.CLICKHOUSE_URL = "http://127.0.0.1:8123/default"
    client = RecordingClient(rows=[(1,)])
    monkeypatch.setattr(analytics.client, "get_client", lambda: client)

    outcome = check_reports()

    assert outcome.kind == OutcomeKind.OK
    assert outcome.detail.endswith("; ClickHouse SELECT 1")
    assert client.queries == ["SELECT 1"]


def test_a_wrong_clickhouse_answer_fails(settings: Any, monkeypatch: pytest.MonkeyPatch) -> None:
    settings.CLICKHOUSE_URL = "http://127.0.0.1:8123/default"
    monkeypatch.setattr(analytics.client, "get_client", lambda: RecordingClient(rows=[]))

    with pytest.raises(ValueError, match="ClickHouse respondeu"):
        check_reports()


@pytest.mark.usefixtures("broken_template")
def test_a_broken_template_fails_the_render() -> None:
    with pytest.raises(TemplateSyntaxError):
        check_reports()


@pytest.mark.req("6.2.6")
@pytest.mark.req("6.2.9")
@pytest.mark.django_db
@pytest.mark.usefixtures("broken_template")
def test_the_runner_records_a_failed_render(settings: Any) -> None:
    settings.CLICKHOUSE_URL = ""
    probe = probe_get("reports")
    assert probe is not None

    probes_run(selected=[probe], now=timezone.now())

    state = ProbeState.objects.get(probe="reports")
    assert state.last_outcome == "failed"

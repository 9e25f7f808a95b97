"""The embedded ClickHouse: the loopback service that owns the chDB data folder speaks enough of
the ClickHouse HTTP interface for clickhouse-connect, and stops with the launcher."""

from __future__ import annotations

import base64
import http.client
import os
import signal
import stat
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from urllib.parse import quote, urlsplit

import lz4.frame
import pytest
from clickhouse_connect.driver import options
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import DatabaseError

from analytics.server import parse_request, service_info
from config.embedded import EmbeddedServices
from tests.analytics.conftest import ROOT, ClickHouseService

pytestmark = pytest.mark.usefixtures("clickhouse_url")


@pytest.fixture
def scratch_table(ch: Client) -> Iterator[str]:
    name = f"scratch_{uuid.uuid4().hex[:10]}"
    ch.command(
        f"CREATE TABLE {name} (tenant_id UInt64, at DateTime64(6, 'UTC'), "
        "kind LowCardinality(String), amount Decimal(18, 4), score Nullable(Decimal(9, 4)), "
        "attributes Map(LowCardinality(String), String)) ENGINE = MergeTree ORDER BY tenant_id"
    )
    yield name
    ch.command(f"DROP TABLE {name}")


ROWS = [
    (1, datetime(2026, 3, 1, 2, 30, tzinfo=UTC), "message", Decimal("0.1234"), None, {}),
    (
        1,
        datetime(2026, 3, 1, 3, 0, tzinfo=UTC),
        "usage",
        Decimal("12.5000"),
        Decimal("4.5"),
        {"campo": "valor"},
    ),
]
COLUMNS = ["tenant_id", "at", "kind", "amount", "score", "attributes"]


def selected(ch: Client, table: str) -> list[tuple[object, ...]]:
    rows = ch.query(f"SELECT * FROM {table} ORDER BY at").result_rows  # noqa: S608 - ours
    return [(r[0], r[1].replace(tzinfo=UTC), *r[2:]) for r in rows]


def test_clickhouse_connect_native_insert_and_select(
    ch: Client, scratch_table: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    # clickhouse-connect imports pandas on a first insert when it is installed; that import
    # takes seconds and changes nothing on this path (plain Python rows).
    monkeypatch.setattr(options, "pd", None, raising=False)

    # When rows go in the default way: Native, lz4-compressed, streamed in chunks
    summary = ch.insert(scratch_table, ROWS, column_names=COLUMNS)

    # Then they come back as sent, through Native selects
    assert summary.written_rows == 2
    assert selected(ch, scratch_table) == [tuple(row) for row in ROWS]


def test_json_insert_uncompressed(clickhouse_url: str, scratch_table: str) -> None:
    from analytics.client import client_create
    from analytics.wire import insert_rows

    client = client_create(clickhouse_url + "?compress=false")
    try:
        insert_rows(client, scratch_table, COLUMNS, ROWS)
        assert selected(client, scratch_table) == [tuple(row) for row in ROWS]
    finally:
        client.close()


def raw_post(
    url: str,
    path: str,
    body_chunks: list[bytes],
    headers: dict[str, str],
    *,
    password: str | None = None,
) -> http.client.HTTPResponse:
    parts = urlsplit(url)
    secret = parts.password if password is None else password
    auth = base64.b64encode(f"{parts.username}:{secret}".encode()).decode()
    connection = http.client.HTTPConnection(parts.hostname or "127.0.0.1", parts.port, timeout=30)
    connection.putrequest("POST", path)
    for name, value in {
        **headers,
        "Authorization": f"Basic {auth}",
        "Transfer-Encoding": "chunked",
    }.items():
        connection.putheader(name, value)
    connection.endheaders()
    for chunk in body_chunks:
        connection.send(f"{len(chunk):x}\r\n".encode() + chunk + b"\r\n")
    connection.send(b"0\r\n\r\n")
    return connection.getresponse()


def test_chunked_lz4_native_insert_over_raw_http(
    ch: Client, clickhouse_url: str, scratch_table: str
) -> None:
    # Given a Native block (as clickhouse-connect streams it), lz4-compressed, in 3 chunks
    native = ch.raw_query(
        "SELECT toUInt64(7) AS tenant_id, toDateTime64('2026-03-01 02:30:00', 6, 'UTC') AS at, "
        "'csat' AS kind, toDecimal128('1.5', 4) AS amount, CAST(NULL, 'Nullable(Decimal(9,4))') "
        "AS score, map('a', 'b') AS attributes",
        fmt="Native",
    )
    compressed = lz4.frame.compress(native)
    third = len(compressed) // 3 + 1
    chunks = [compressed[i : i + third] for i in range(0, len(compressed), third)]
    query = quote(f"INSERT INTO {scratch_table} ({', '.join(COLUMNS)}) FORMAT Native")

    # When posted with the statement in the URL
    response = raw_post(
        clickhouse_url,
        f"/?query={query}",
        chunks,
        {"Content-Encoding": "lz4", "Content-Type": "application/octet-stream"},
    )

    # Then the row is written and the summary says so
    assert response.status == 200
    assert '"written_rows": "1"' in response.getheader("X-ClickHouse-Summary", "")
    inserted = f"SELECT tenant_id, kind, amount FROM {scratch_table}"  # noqa: S608 - ours
    assert ch.query(inserted).result_rows == [(7, "csat", Decimal("1.5000"))]


def test_errors_carry_the_clickhouse_code(ch: Client, clickhouse_url: str) -> None:
    with pytest.raises(DatabaseError, match="Code: 60"):
        ch.query("SELECT * FROM no_such_table")

    response = raw_post(clickhouse_url, "/", [b"SELECT * FROM no_such_table"], {})
    assert response.status == 404
    assert response.getheader("X-ClickHouse-Exception-Code") == "60"
    assert response.read().startswith(b"Code: 60. DB::Exception: ")


def test_a_wrong_password_is_refused(clickhouse_url: str) -> None:
    response = raw_post(clickhouse_url, "/", [b"SELECT 1"], {}, password="wrong")
    assert response.status == 401
    assert response.getheader("X-ClickHouse-Exception-Code") == "516"


def test_sao_paulo_day_of_an_instant_in_clickhouse(ch: Client) -> None:
    day = ch.query(
        "SELECT toDate(toTimeZone(toDateTime64('2026-03-10 02:30:00', 6, 'UTC'), "
        "'America/Sao_Paulo'))"
    ).result_rows
    assert [str(row[0]) for row in day] == ["2026-03-09"]


def test_request_parsing() -> None:
    # An insert with its data in the body, settings in a SETTINGS clause and in the URL
    statement = parse_request(
        url="/?database=analytics&max_threads=2&param_tenant=5&query_id=q1"
        "&send_progress_in_http_headers=1",
        body=b"INSERT INTO analytics.events (a, b) SETTINGS async_insert = 0 FORMAT JSONEachRow\n"
        b'{"a":1,"b":2}\n',
    )
    assert (statement.insert_target, statement.insert_settings, statement.insert_format) == (
        b"analytics.events (a, b)",
        b"async_insert = 0",
        "JSONEachRow",
    )
    assert statement.data == b'{"a":1,"b":2}\n'
    assert (statement.database, statement.query_id) == ("analytics", "q1")
    assert statement.settings == {"max_threads": "2"}
    assert statement.parameters == {"tenant": "5"}

    # A statement in the URL continued by the body
    select = parse_request(url="/?query=SELECT%201", body=b"+ 1 FORMAT JSONEachRow")
    assert (select.sql, select.is_insert_with_data) == (b"SELECT 1\n+ 1 FORMAT JSONEachRow", False)


def test_service_file_names_the_running_process(clickhouse_service: ClickHouseService) -> None:
    if clickhouse_service.path is None:
        pytest.skip("running against a ClickHouse server")
    info = service_info(clickhouse_service.path)
    assert info is not None
    assert clickhouse_service.process is not None
    assert info["pid"] == clickhouse_service.process.pid
    assert info["port"] == urlsplit(clickhouse_service.url).port
    mode = stat.S_IMODE((clickhouse_service.path / "service.json").stat().st_mode)
    assert mode == 0o600


LAUNCHER = """
import sys, time
from pathlib import Path
from config.embedded import EmbeddedServices
services = EmbeddedServices()
print(services._clickhouse(Path(sys.argv[1])), flush=True)
if sys.argv[2] == "wait":
    time.sleep(300)
"""


def wait_until_gone(pid: int) -> bool:
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            os.kill(pid, 0)
        except ProcessLookupError:
            return True
        time.sleep(0.1)
    return False


@pytest.mark.parametrize("ending", ["exit", "kill"])
def test_embedded_service_stops_with_its_launcher(tmp_path: Path, ending: str) -> None:
    # Given a launcher (like `make run`) that started the embedded service
    launcher = subprocess.Popen(
        [sys.executable, "-c", LAUNCHER, str(tmp_path), "wait" if ending == "kill" else "exit"],
        cwd=ROOT,
        stdout=subprocess.PIPE,
        text=True,
        env={key: value for key, value in os.environ.items() if key != "CLICKHOUSE_URL"},
    )
    assert launcher.stdout is not None
    url = launcher.stdout.readline().strip()
    info = service_info(tmp_path)
    assert info is not None
    assert url == f"http://default:{info['password']}@127.0.0.1:{info['port']}/default"
    if ending == "kill":
        # A second launcher shares the running service instead of fighting over the folder
        assert EmbeddedServices()._clickhouse(tmp_path) == url

    # When the launcher exits normally, or is killed without any cleanup
    if ending == "kill":
        launcher.send_signal(signal.SIGKILL)
    launcher.wait(timeout=60)

    # Then the service stops and releases the folder
    assert wait_until_gone(int(info["pid"]))
    assert service_info(tmp_path) is None

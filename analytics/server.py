"""The embedded ClickHouse: one process owns a chDB data path and serves it over the ClickHouse
HTTP interface on loopback, so the web process and every Celery worker use clickhouse-connect
over HTTP exactly as they would against a ClickHouse server (docs/adr/0050).

    python -m analytics.server --path .data/chdb --port 8123

chDB lets one process open one data path, and one path be opened by one process; this process
is that one. It speaks the part of the HTTP interface clickhouse-connect uses:

- the statement in the `query` URL parameter, in the body, or in a multipart form field;
  `database`, `default_format`, `query_id`, server-side bind parameters (`param_<name>`), and
  any other parameter as a per-request setting (applied with SET on a connection of its own);
- results in whatever format the statement names (`FORMAT Native` for clickhouse-connect's
  selects), `TabSeparated` otherwise, with the `X-ClickHouse-*` headers the client reads;
- inserts with data in the body, whole or chunked (`Transfer-Encoding: chunked`), compressed
  or not (`Content-Encoding: lz4 | zstd | br | gzip | deflate`), in any input format: the data
  goes to a temporary file ingested with `INSERT ... FROM INFILE`, which is what
  clickhouse-connect's own chDB backend does;
- errors as ClickHouse sends them: a non-2xx status, `X-ClickHouse-Exception-Code`, and the
  `Code: N. DB::Exception: ...` text in the body.

It imports neither Django nor the project, and it starts in about a second.
"""

from __future__ import annotations

import argparse
import base64
import binascii
import contextlib
import email.parser
import email.policy
import gzip
import hmac
import importlib
import json
import logging
import os
import re
import signal
import socket
import sys
import tempfile
import threading
import time
import uuid
import zlib
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from email.message import Message
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any
from urllib.parse import parse_qsl, urlsplit

logger = logging.getLogger("analytics.server")

SERVICE_FILE = "service.json"
PASSWORD_ENVIRONMENT_VARIABLE = "ANALYTICS_SERVER_PASSWORD"  # noqa: S105 - a variable name
DEFAULT_FORMAT = "TabSeparated"

# Parameters that shape the HTTP exchange itself; everything else in the URL is a setting.
TRANSPORT_PARAMETERS = frozenset(
    {
        "query",
        "database",
        "default_format",
        "query_id",
        "session_id",
        "session_timeout",
        "session_check",
        "user",
        "password",
        "quota_key",
        "compress",
        "decompress",
        "buffer_size",
        "wait_end_of_query",
        "client_protocol_version",
        "role",
        "enable_http_compression",
        "http_zlib_compression_level",
        "send_progress_in_http_headers",
        "http_headers_progress_interval_ms",
        "cancel_http_readonly_queries_on_client_close",
        "http_response_buffer_size",
    }
)

_SETTING_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_DATABASE_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
# `INSERT INTO <target> FORMAT <name>` followed by the data (on the next line, or in the body
# when the statement came in the URL).
_INSERT_WITH_DATA = re.compile(
    rb"^\s*INSERT\s+INTO\s+(?P<target>.+?)\s+FORMAT\s+(?P<format>[A-Za-z0-9_]+)[ \t]*(?:\r?\n|$)",
    re.IGNORECASE | re.DOTALL,
)
_SETTINGS_CLAUSE = re.compile(rb"\s+SETTINGS\s+(?P<settings>.+)$", re.IGNORECASE | re.DOTALL)
_TRAILING_FORMAT = re.compile(rb"\bFORMAT\s+([A-Za-z0-9_]+)\s*;?\s*$", re.IGNORECASE)
_ERROR_CODE = re.compile(r"Code:\s*(\d+)")

# HTTP statuses a ClickHouse server uses for the commonest errors; the rest are 500.
_STATUS_FOR_CODE = {
    60: 404,  # UNKNOWN_TABLE
    81: 404,  # UNKNOWN_DATABASE
    62: 400,  # SYNTAX_ERROR
    47: 400,  # UNKNOWN_IDENTIFIER
    516: 401,  # AUTHENTICATION_FAILED
}
_CONTENT_TYPES = {
    "native": "application/octet-stream",
    "rowbinary": "application/octet-stream",
    "rowbinarywithnamesandtypes": "application/octet-stream",
    "arrow": "application/octet-stream",
    "parquet": "application/octet-stream",
    "json": "application/json; charset=UTF-8",
    "jsoneachrow": "application/x-ndjson; charset=UTF-8",
    "jsoncompact": "application/json; charset=UTF-8",
    "csv": "text/csv; charset=UTF-8",
    "csvwithnames": "text/csv; charset=UTF-8",
    "tabseparated": "text/tab-separated-values; charset=UTF-8",
    "tsv": "text/tab-separated-values; charset=UTF-8",
}


class RequestError(Exception):
    """A request the service refuses before it reaches the engine."""

    def __init__(self, message: str, *, code: int = 27, status: int = 400) -> None:
        super().__init__(message)
        self.code = code
        self.status = status


@dataclass
class Statement:
    """One parsed HTTP request: what to run, where, with which settings and data."""

    sql: bytes
    database: str = ""
    output_format: str = DEFAULT_FORMAT
    settings: dict[str, str] = field(default_factory=dict)
    parameters: dict[str, str] = field(default_factory=dict)
    query_id: str = ""
    # For `INSERT ... FORMAT x` with data: the target, the data's format and the data.
    insert_target: bytes = b""
    insert_format: str = ""
    insert_settings: bytes = b""
    data: bytes = b""

    @property
    def is_insert_with_data(self) -> bool:
        return bool(self.insert_format)


@dataclass(frozen=True)
class Outcome:
    body: bytes
    output_format: str
    summary: dict[str, str]
    query_id: str


# --- Request parsing (pure, so it is tested without a socket) ------------------------------


def decompress(data: bytes, encoding: str) -> bytes:
    encoding = encoding.strip().lower()
    if not encoding or encoding == "identity":
        return data
    if encoding == "gzip":
        return gzip.decompress(data)
    if encoding == "deflate":
        return zlib.decompress(data)
    if encoding == "lz4":
        import lz4.frame

        return bytes(lz4.frame.decompress(data))
    if encoding == "br":
        import brotli

        return bytes(brotli.decompress(data))
    if encoding == "zstd":
        # Python 3.14 has compression.zstd; before it, the backports.zstd package.
        try:
            zstd = importlib.import_module("backports.zstd")
        except ImportError:
            zstd = importlib.import_module("compression.zstd")
        return bytes(zstd.decompress(data))
    raise RequestError(f"Unsupported Content-Encoding: {encoding}", code=1)


def form_fields(body: bytes, content_type: str) -> dict[str, str]:
    """Text fields of a multipart/form-data or urlencoded body (clickhouse-connect sends long
    bind parameters this way)."""
    if content_type.startswith("application/x-www-form-urlencoded"):
        return dict(parse_qsl(body.decode(), keep_blank_values=True))
    message = email.parser.BytesParser(policy=email.policy.HTTP).parsebytes(
        f"Content-Type: {content_type}\r\n\r\n".encode() + body
    )
    fields: dict[str, str] = {}
    for part in message.iter_parts():
        name = part.get_param("name", header="content-disposition")
        payload = part.get_payload(decode=True)
        if isinstance(name, str) and isinstance(payload, bytes):
            fields[name] = payload.decode()
    return fields


def parse_request(
    *, url: str, body: bytes, content_type: str = "", content_encoding: str = ""
) -> Statement:
    """Turns one HTTP request into a Statement, the way a ClickHouse server reads it: the URL
    `query` comes first and the body continues it (for an insert, the body is the data)."""
    parameters = dict(parse_qsl(urlsplit(url).query, keep_blank_values=True))
    body = decompress(body, content_encoding)
    if content_type.startswith(("multipart/form-data", "application/x-www-form-urlencoded")):
        parameters.update(form_fields(body, content_type))
        body = b""
    url_query = parameters.get("query", "").encode()

    statement = Statement(sql=b"")
    statement.database = parameters.get("database", "")
    if statement.database and not _DATABASE_NAME.match(statement.database):
        raise RequestError(f"Invalid database name: {statement.database!r}")
    statement.output_format = parameters.get("default_format") or DEFAULT_FORMAT
    statement.query_id = parameters.get("query_id") or str(uuid.uuid4())
    for key, value in parameters.items():
        if key.startswith("param_"):
            statement.parameters[key.removeprefix("param_")] = value
        elif key not in TRANSPORT_PARAMETERS:
            if not _SETTING_NAME.match(key):
                raise RequestError(f"Invalid setting name: {key!r}", code=115)
            statement.settings[key] = value

    if url_query:
        head, data = url_query, body
        match = _INSERT_WITH_DATA.match(head)
        if match is None:
            # Not an insert with data: the body, if any, continues the statement.
            statement.sql = head + (b"\n" + body if body else b"")
            return statement
    else:
        match = _INSERT_WITH_DATA.match(body)
        if match is None:
            statement.sql = body
            return statement
        head, data = body[: match.end()], body[match.end() :]

    target = match.group("target")
    settings_match = _SETTINGS_CLAUSE.search(target)
    if settings_match is not None:
        statement.insert_settings = settings_match.group("settings").strip()
        target = target[: settings_match.start()]
    statement.sql = head
    statement.insert_target = target.strip()
    statement.insert_format = match.group("format").decode()
    statement.data = data
    return statement


def trailing_format(sql: bytes) -> str | None:
    match = _TRAILING_FORMAT.search(sql)
    return match.group(1).decode() if match else None


def _quote(value: str) -> str:
    return "'" + value.replace("\\", "\\\\").replace("'", "\\'") + "'"


# --- The engine -------------------------------------------------------------------------------


class Engine:
    """The chDB engine of one data path. Each request gets a connection handle of its own
    (chDB allows many handles to its one engine, at about half a millisecond each), so a
    request's USE and SET never leak into another's."""

    def __init__(self, path: Path, *, max_concurrent_queries: int = 8) -> None:
        import chdb

        self._chdb = chdb
        self.path = path
        path.mkdir(parents=True, exist_ok=True)
        # Held for the life of the process: it keeps the engine (and the path's lock) open.
        self._primary = chdb.connect(str(path))
        self._slots = threading.BoundedSemaphore(max_concurrent_queries)
        self.version = self._scalar("SELECT version()")
        self.timezone = self._scalar("SELECT timezone()")

    def _scalar(self, sql: str) -> str:
        return str(self._primary.query(sql, "TabSeparated").bytes().decode().strip())

    def close(self) -> None:
        with contextlib.suppress(Exception):
            self._primary.close()

    @contextlib.contextmanager
    def _connection(self) -> Iterator[Any]:
        with self._slots:
            connection = self._chdb.connect(str(self.path))
            try:
                yield connection
            finally:
                connection.close()

    def execute(self, statement: Statement) -> Outcome:
        with self._connection() as connection:
            if statement.database:
                connection.query(f"USE `{statement.database}`", "TabSeparated")
            for name, value in statement.settings.items():
                connection.query(f"SET {name} = {_quote(value)}", "TabSeparated")
            if statement.is_insert_with_data:
                result = self._insert(connection, statement)
                output_format = DEFAULT_FORMAT
            else:
                sql = statement.sql.decode()
                output_format = trailing_format(statement.sql) or statement.output_format
                result = connection.query(sql, output_format, params=statement.parameters)
        body = result.bytes() if hasattr(result, "bytes") else bytes(result or b"")
        summary = {
            "read_rows": str(getattr(result, "rows_read", lambda: 0)()),
            "read_bytes": str(getattr(result, "bytes_read", lambda: 0)()),
            "written_rows": str(getattr(result, "rows_written", lambda: 0)()),
            "written_bytes": str(getattr(result, "bytes_written", lambda: 0)()),
            "total_rows_to_read": "0",
            "result_rows": "0",
            "result_bytes": str(len(body)),
            "elapsed_ns": str(int(float(getattr(result, "elapsed", lambda: 0.0)()) * 1e9)),
        }
        return Outcome(
            body=body, output_format=output_format, summary=summary, query_id=statement.query_id
        )

    def _insert(self, connection: Any, statement: Statement) -> Any:
        if not statement.data.strip():
            return b""
        with tempfile.NamedTemporaryFile(prefix="chdb-insert-", suffix=".data") as data_file:
            data_file.write(statement.data)
            data_file.flush()
            settings = (
                b" SETTINGS " + statement.insert_settings if statement.insert_settings else b""
            )
            sql = (
                b"INSERT INTO "
                + statement.insert_target
                + b" FROM INFILE "
                + _quote(data_file.name).encode()
                + settings
                + b" FORMAT "
                + statement.insert_format.encode()
            )
            return connection.query(sql.decode(), "TabSeparated", params=statement.parameters)


# --- HTTP -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Credentials:
    user: str
    password: str

    def accept(self, headers: Message, url: str) -> bool:
        user, password = "", ""
        authorization = headers.get("Authorization", "")
        if authorization.lower().startswith("basic "):
            try:
                user, _sep, password = (
                    base64.b64decode(authorization[6:].strip()).decode().partition(":")
                )
            except (binascii.Error, UnicodeDecodeError):
                return False
        elif "X-ClickHouse-User" in headers:
            user = headers.get("X-ClickHouse-User", "")
            password = headers.get("X-ClickHouse-Key", "")
        else:
            parameters = dict(parse_qsl(urlsplit(url).query))
            user = parameters.get("user", "default")
            password = parameters.get("password", "")
        return hmac.compare_digest(user.encode(), self.user.encode()) and hmac.compare_digest(
            password.encode(), self.password.encode()
        )


class ClickHouseHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: ClickHouseHTTPServer

    def setup(self) -> None:
        super().setup()
        # Headers and body go out in separate writes; without this, Nagle's algorithm and the
        # client's delayed ACK add ~40 ms to every response.
        self.connection.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)

    def log_message(self, format: str, *args: Any) -> None:
        if self.server.log_requests:
            logger.info("%s - %s", self.address_string(), format % args)

    def do_GET(self) -> None:
        path = urlsplit(self.path).path
        if path in ("/ping", "/replicas_status") or (
            path == "/" and "query=" not in (urlsplit(self.path).query or "")
        ):
            self._send(200, b"Ok.\n", {"Content-Type": "text/plain; charset=UTF-8"})
            return
        self._handle(b"")

    def do_POST(self) -> None:
        try:
            body = self._read_body()
        except (ValueError, OSError) as error:
            self._error(RequestError(f"Cannot read the request body: {error}"))
            return
        self._handle(body)

    def _read_body(self) -> bytes:
        if "chunked" in self.headers.get("Transfer-Encoding", "").lower():
            chunks: list[bytes] = []
            while True:
                size_line = self.rfile.readline(65537).split(b";", 1)[0].strip()
                size = int(size_line, 16)
                if size == 0:
                    # Trailer headers, up to the empty line.
                    while self.rfile.readline(65537) not in (b"\r\n", b"\n", b""):
                        pass
                    return b"".join(chunks)
                chunks.append(self.rfile.read(size))
                self.rfile.readline(3)
        length = int(self.headers.get("Content-Length") or 0)
        return self.rfile.read(length) if length else b""

    def _handle(self, body: bytes) -> None:
        credentials = self.server.credentials
        if credentials is not None and not credentials.accept(self.headers, self.path):
            self._error(
                RequestError(
                    "Authentication failed: password is incorrect, or there "
                    "is no user with such name.",
                    code=516,
                    status=401,
                )
            )
            return
        try:
            statement = parse_request(
                url=self.path,
                body=body,
                content_type=self.headers.get("Content-Type", ""),
                content_encoding=self.headers.get("Content-Encoding", ""),
            )
            if not statement.sql.strip():
                raise RequestError("Empty query", code=62)
            outcome = self.server.engine.execute(statement)
        except RequestError as error:
            self._error(error)
            return
        except Exception as error:  # the engine's errors carry ClickHouse's own code and text
            message = str(error)
            match = _ERROR_CODE.search(message)
            code = int(match.group(1)) if match else 1001
            start = message.find("Code: ")
            self._error(
                RequestError(
                    message[start:] if start > 0 else message,
                    code=code,
                    status=_STATUS_FOR_CODE.get(code, 500),
                )
            )
            return
        self._send(
            200,
            outcome.body,
            {
                "Content-Type": _CONTENT_TYPES.get(
                    outcome.output_format.lower(), "text/plain; charset=UTF-8"
                ),
                "X-ClickHouse-Format": outcome.output_format,
                "X-ClickHouse-Query-Id": outcome.query_id,
                "X-ClickHouse-Timezone": self.server.engine.timezone,
                "X-ClickHouse-Server-Display-Name": "chdb",
                "X-ClickHouse-Summary": json.dumps(outcome.summary),
            },
        )

    def _error(self, error: RequestError) -> None:
        text = str(error)
        if not text.startswith("Code:"):
            text = f"Code: {error.code}. DB::Exception: {text}"
        body = f"{text.rstrip()} (version {self.server.engine.version})\n".encode()
        self._send(
            error.status,
            body,
            {
                "Content-Type": "text/plain; charset=UTF-8",
                "X-ClickHouse-Exception-Code": str(error.code),
            },
        )

    def _send(self, status: int, body: bytes, headers: Mapping[str, str]) -> None:
        self.send_response(status)
        for name, value in headers.items():
            self.send_header(name, value)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)


class ClickHouseHTTPServer(ThreadingHTTPServer):
    daemon_threads = True
    allow_reuse_address = True

    def __init__(
        self,
        address: tuple[str, int],
        engine: Engine,
        *,
        credentials: Credentials | None = None,
        log_requests: bool = False,
    ) -> None:
        self.engine = engine
        self.credentials = credentials
        self.log_requests = log_requests
        super().__init__(address, ClickHouseHandler)


# --- Process ----------------------------------------------------------------------------------


def service_info(path: Path) -> dict[str, Any] | None:
    """What a running service wrote about itself (pid, host, port, user, password), or None."""
    try:
        info = json.loads((path / SERVICE_FILE).read_text())
    except (OSError, ValueError):
        return None
    return info if isinstance(info, dict) else None


def _write_service_info(path: Path, info: dict[str, Any]) -> None:
    target = path / SERVICE_FILE
    temporary = path / f".{SERVICE_FILE}.{os.getpid()}"
    # Readable by this user only: it holds the password other local processes connect with.
    descriptor = os.open(temporary, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(descriptor, "w") as handle:
        json.dump(info, handle)
    temporary.replace(target)


def _watch_parent(stop: threading.Event, parent: int) -> None:
    """Stops the service when the process that started it is gone (re-parented), so a launcher
    killed without cleanup never leaves the data path locked."""
    while not stop.wait(0.5):
        if os.getppid() != parent:
            logger.warning("launcher exited; stopping")
            stop.set()


def serve(options: argparse.Namespace) -> int:
    started = time.perf_counter()
    path = Path(options.path).resolve()
    try:
        engine = Engine(path, max_concurrent_queries=options.max_concurrent_queries)
    except Exception as error:
        sys.stderr.write(f"cannot open chDB at {path}: {error}\n")
        return 2
    password = os.environ.get(PASSWORD_ENVIRONMENT_VARIABLE, "")
    credentials = Credentials(options.user, password) if password else None
    server = ClickHouseHTTPServer(
        (options.host, options.port),
        engine,
        credentials=credentials,
        log_requests=options.log_requests,
    )
    host, port = str(server.server_address[0]), int(server.server_address[1])
    stop = threading.Event()

    def request_stop(signum: int, frame: object) -> None:
        stop.set()

    signal.signal(signal.SIGTERM, request_stop)
    signal.signal(signal.SIGINT, request_stop)
    if options.exit_with_parent:
        threading.Thread(target=_watch_parent, args=(stop, options.parent), daemon=True).start()
    threading.Thread(
        target=server.serve_forever, kwargs={"poll_interval": 0.2}, daemon=True
    ).start()
    _write_service_info(
        path,
        {
            "pid": os.getpid(),
            "host": host,
            "port": port,
            "user": options.user,
            "password": password,
            "version": engine.version,
        },
    )
    elapsed = time.perf_counter() - started
    sys.stdout.write(
        f"chDB {engine.version} serving {path} on http://{host}:{port} (ready in {elapsed:.2f} s)\n"
    )
    sys.stdout.flush()
    stop.wait()
    server.shutdown()
    server.server_close()
    info = service_info(path)
    if info is not None and info.get("pid") == os.getpid():
        with contextlib.suppress(OSError):
            (path / SERVICE_FILE).unlink()
    engine.close()
    return 0


def main(argv: list[str] | None = None) -> int:
    # Read before anything slow: a launcher that dies during start-up is still noticed.
    parent = os.getppid()
    parser = argparse.ArgumentParser(
        prog="python -m analytics.server",
        description="Serve a chDB data path over the ClickHouse HTTP interface, on loopback, "
        "for clickhouse-connect (the embedded analytics default; docs/adr/0050). "
        f"Set {PASSWORD_ENVIRONMENT_VARIABLE} to require a password.",
    )
    parser.add_argument(
        "--path",
        default=".data/chdb",
        help="chDB data directory (created if missing; one process may open it)",
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to bind (default: loopback)")
    parser.add_argument("--port", type=int, default=8123, help="TCP port (0 picks a free one)")
    parser.add_argument(
        "--user", default="default", help="user name clients must send when a password is set"
    )
    parser.add_argument(
        "--max-concurrent-queries",
        type=int,
        default=8,
        help="queries run at once; more wait their turn",
    )
    parser.add_argument(
        "--exit-with-parent", action="store_true", help="stop when the launching process exits"
    )
    parser.add_argument("--log-requests", action="store_true", help="log every request")
    options = parser.parse_args(argv)
    options.parent = parent
    logging.basicConfig(
        level=logging.INFO,
        stream=sys.stderr,
        format="%(asctime)s %(name)s %(levelname)s %(message)s",
    )
    return serve(options)


if __name__ == "__main__":
    sys.exit(main())

"""Machinery shared by the provider simulators: a real HTTP server on 127.0.0.1.

A simulator runs `http.server.ThreadingHTTPServer` on an ephemeral port in a background thread,
records every request it receives, and lets a test (or the product's simulator page) queue
failures for the next calls. Subclasses only implement `handle`.
"""

from __future__ import annotations

import json
import threading
from abc import ABC, abstractmethod
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from types import TracebackType
from typing import Any, ClassVar, Self
from urllib.parse import parse_qs, urlsplit


@dataclass(frozen=True)
class RecordedRequest:
    method: str
    path: str
    query: Mapping[str, list[str]]
    headers: Mapping[str, str]
    body: bytes

    def header(self, name: str) -> str | None:
        wanted = name.lower()
        for key, value in self.headers.items():
            if key.lower() == wanted:
                return value
        return None

    @property
    def json(self) -> Any:
        try:
            return json.loads(self.body)
        except ValueError:
            return None


@dataclass(frozen=True)
class SimulatedResponse:
    status: int
    body: bytes
    content_type: str = "application/json"
    headers: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def json(cls, status: int, payload: object, headers: Mapping[str, str] | None = None) -> Self:
        return cls(status=status, body=json.dumps(payload).encode(), headers=headers or {})


class SimulatorServer(ABC):
    """Base class; a subclass defines `failure_modes` and `handle`."""

    # mode name -> factory of the provider's real error response for that failure
    failure_modes: ClassVar[Mapping[str, Callable[[], SimulatedResponse]]] = {}

    def __init__(self) -> None:
        self.requests: list[RecordedRequest] = []
        self._lock = threading.Lock()
        self._failures: deque[str] = deque()
        self._server: ThreadingHTTPServer | None = None
        self._thread: threading.Thread | None = None

    # -- lifecycle --------------------------------------------------------------------------
    def start(self) -> Self:
        simulator = self

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def _serve(self) -> None:
                length = int(self.headers.get("Content-Length") or 0)
                body = self.rfile.read(length) if length else b""
                parts = urlsplit(self.path)
                request = RecordedRequest(
                    method=self.command,
                    path=parts.path,
                    query=parse_qs(parts.query),
                    headers=dict(self.headers.items()),
                    body=body,
                )
                response = simulator._dispatch(request)
                self.send_response(response.status)
                self.send_header("Content-Type", response.content_type)
                self.send_header("Content-Length", str(len(response.body)))
                for name, value in response.headers.items():
                    self.send_header(name, value)
                self.end_headers()
                self.wfile.write(response.body)

            do_GET = _serve
            do_POST = _serve
            do_DELETE = _serve

            def log_message(self, format: str, *args: Any) -> None:
                # The simulators keep their own request log; stderr noise helps nobody.
                return

        self._server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._server.daemon_threads = True
        self._thread = threading.Thread(
            target=self._server.serve_forever,
            kwargs={"poll_interval": 0.05},
            name=type(self).__name__,
            daemon=True,
        )
        self._thread.start()
        return self

    def stop(self) -> None:
        if self._server is not None:
            self._server.shutdown()
            self._server.server_close()
            self._server = None
        if self._thread is not None:
            self._thread.join(timeout=5)
            self._thread = None

    def __enter__(self) -> Self:
        return self.start()

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        traceback: TracebackType | None,
    ) -> None:
        self.stop()

    @property
    def base_url(self) -> str:
        if self._server is None:
            raise RuntimeError("the simulator is not running")
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    # -- failures ---------------------------------------------------------------------------
    def fail_next(self, mode: str, times: int = 1) -> None:
        """Make the next `times` API calls fail the way the provider does in `mode`."""
        if mode not in self.failure_modes:
            raise ValueError(f"unknown failure mode {mode!r}; known: {sorted(self.failure_modes)}")
        with self._lock:
            self._failures.extend([mode] * times)

    def clear_failures(self) -> None:
        with self._lock:
            self._failures.clear()

    def _take_failure(self) -> SimulatedResponse | None:
        with self._lock:
            if not self._failures:
                return None
            mode = self._failures.popleft()
        return self.failure_modes[mode]()

    def _dispatch(self, request: RecordedRequest) -> SimulatedResponse:
        with self._lock:
            self.requests.append(request)
        try:
            return self.handle(request)
        except Exception as error:  # a simulator bug must show up as a 500, not a hung client
            return SimulatedResponse(
                status=500, body=repr(error).encode(), content_type="text/plain"
            )

    @abstractmethod
    def handle(self, request: RecordedRequest) -> SimulatedResponse:
        """Answer one request the way the provider would."""

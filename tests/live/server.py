"""A real ASGI server (uvicorn on 127.0.0.1) for tests that need one: SSE streams, the provider
simulator posting webhooks over HTTP, the WebChat widget in a browser.

The server runs in a thread of the test process, so it shares the settings (the `settings`
fixture changes them for it too) and the test database. It reads only committed data: these
tests do not run inside the rolled-back test transaction. They use a tenant of their own,
"aovivo<N>" (N: the Redis database of the run), made once per session, so what they commit never
meets the other tests' tenants, and two test runs sharing one Redis server (whose pub/sub
channels ignore the database) never hear each other's live events.

Imported by the conftest files of tests/live, tests/simulator, tests/webchat and tests/e2e.
"""

from __future__ import annotations

import json
import queue
import secrets
import socket
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from datetime import date
from typing import Any

import httpx
import pytest
import uvicorn
from django.conf import settings
from django.contrib.staticfiles.handlers import ASGIStaticFilesHandler
from django.core.handlers.asgi import ASGIHandler
from django.db import connection
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import _set_role, api_token_create
from channels.intake.models import InboxEvent, RejectedWebhook
from security.actors import Actor
from tenants.models import Tenant
from tenants.services import tenant_provision

PASSWORD = "Senha-de-Teste-2026"
LIVE_TENANT_NAME = "Prefeitura Municipal de Ao Vivo"


def _redis_database() -> int:
    database = str(settings.REDIS_URL).rsplit("/", 1)[-1]
    return int(database) if database.isdigit() else 0


def live_tenant_slug() -> str:
    return f"aovivo{_redis_database()}"


def live_tenant_cnpj() -> str:
    """A valid CNPJ of its own per Redis database (the check digits computed as the law says)."""
    digits = [int(d) for d in f"99668318{_redis_database():04d}"]
    for weights in ([5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2], [6, 5, 4, 3, 2, 9, 8, 7, 6, 5, 4, 3, 2]):
        remainder = sum(d * w for d, w in zip(digits, weights, strict=True)) % 11
        digits.append(0 if remainder < 2 else 11 - remainder)
    return "".join(str(d) for d in digits)


class _Tracked:
    """Counts requests in flight, so a test can wait for the server to finish its work (and
    its database access) before the database is blocked again."""

    def __init__(self, app: Any) -> None:
        self.app = app
        self.active = 0
        self._lock = threading.Lock()
        self.idle = threading.Event()
        self.idle.set()

    async def __call__(self, scope: Any, receive: Any, send: Any) -> None:
        with self._lock:
            self.active += 1
            self.idle.clear()
        try:
            await self.app(scope, receive, send)
        finally:
            with self._lock:
                self.active -= 1
                if self.active == 0:
                    self.idle.set()


class LiveServer:
    def __init__(self) -> None:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = int(sock.getsockname()[1])
        self._socket = sock
        # A fresh handler, so its middleware is built with the test settings; static files
        # served by Django's finders like `runserver` does (the widget script).
        self.app = _Tracked(ASGIStaticFilesHandler(ASGIHandler()))
        config = uvicorn.Config(
            self.app,
            lifespan="off",
            log_level="warning",
            access_log=False,
            timeout_graceful_shutdown=5,
        )
        self.server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self.server.run, kwargs={"sockets": [sock]}, name="live-server", daemon=True
        )

    def start(self) -> LiveServer:
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self.server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("uvicorn did not start")
            time.sleep(0.02)
        return self

    def wait_idle(self, timeout: float = 15.0) -> bool:
        return self.app.idle.wait(timeout)

    def stop(self) -> None:
        self.server.should_exit = True
        self._thread.join(timeout=10)
        self._socket.close()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def url_for(self, host: str) -> str:
        """The address a browser would use for `host` (Chromium resolves *.localhost itself)."""
        return f"http://{host}:{self.port}"


def tenant_host(tenant: Tenant) -> str:
    return str(tenant.domains.get(is_primary=True).domain)


def make_committed_user(tenant: Tenant, role: str) -> User:
    with schema_context(tenant.schema_name):
        user = User.objects.create_user(
            email=f"{role}-{secrets.token_hex(4)}@{tenant.slug}.gov.br",
            password=PASSWORD,
            full_name=f"{Role(role).label} {secrets.token_hex(2)}",
        )
        _set_role(user, Role(role))
    return user


def session_cookie(tenant: Tenant, user: User) -> str:
    """A committed session of `user` on the tenant's host, as the browser cookie value."""
    client = Client(HTTP_HOST=tenant_host(tenant))
    with schema_context(tenant.schema_name):
        client.force_login(user)
    return str(client.cookies[settings.SESSION_COOKIE_NAME].value)


def api_token(tenant: Tenant, user: User) -> str:
    with schema_context(tenant.schema_name):
        return api_token_create(actor=Actor.command("tests"), user=user, name="teste").token


# --- an SSE client -----------------------------------------------------------------------------


@dataclass
class SseEvent:
    event: str = "message"
    data: str = ""
    id: str | None = None
    comment: str | None = None

    @property
    def json(self) -> Any:
        return json.loads(self.data)


@dataclass
class SseStream:
    """Reads one SSE response in a thread; `wait_for` takes events as they arrive."""

    status_code: int
    headers: httpx.Headers
    _events: queue.Queue[SseEvent | None] = field(default_factory=queue.Queue)
    received: list[SseEvent] = field(default_factory=list)
    _close: Callable[[], None] = lambda: None

    def wait_for(self, predicate: Callable[[SseEvent], bool], *, timeout: float = 10.0) -> SseEvent:
        deadline = time.monotonic() + timeout
        while True:
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise AssertionError(
                    "no matching SSE event; received: "
                    + repr([(e.event, e.data, e.comment) for e in self.received])
                )
            try:
                item = self._events.get(timeout=remaining)
            except queue.Empty:
                continue
            if item is None:
                raise AssertionError(
                    "stream ended; received: "
                    + repr([(e.event, e.data, e.comment) for e in self.received])
                )
            self.received.append(item)
            if predicate(item):
                return item

    def wait_event(self, event_type: str, *, timeout: float = 10.0, **payload: Any) -> SseEvent:
        def matches(item: SseEvent) -> bool:
            if item.event != event_type:
                return False
            body = item.json.get("payload", item.json)
            return all(body.get(key) == value for key, value in payload.items())

        return self.wait_for(matches, timeout=timeout)

    def wait_end(self, *, timeout: float = 10.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                item = self._events.get(timeout=0.1)
            except queue.Empty:
                continue
            if item is None:
                return
            self.received.append(item)
        raise AssertionError("the stream did not end")

    def close(self) -> None:
        self._close()


def _parse(lines: Iterator[str], sink: queue.Queue[SseEvent | None]) -> None:
    current = SseEvent()
    data: list[str] = []
    touched = False
    for line in lines:
        if line == "":
            if touched:
                current.data = "\n".join(data)
                sink.put(current)
            current, data, touched = SseEvent(), [], False
            continue
        if line.startswith(":"):
            sink.put(SseEvent(event="", comment=line[1:].strip()))
            continue
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            current.event, touched = value, True
        elif name == "data":
            data.append(value)
            touched = True
        elif name == "id":
            current.id, touched = value, True


def open_sse(
    url: str,
    *,
    host: str,
    cookies: dict[str, str] | None = None,
    headers: dict[str, str] | None = None,
) -> SseStream:
    client = httpx.Client(timeout=httpx.Timeout(5.0, read=30.0), cookies=cookies or {})
    context = client.stream("GET", url, headers={"Host": host, **(headers or {})})
    response = context.__enter__()
    stream = SseStream(status_code=response.status_code, headers=response.headers)
    if response.status_code != 200:
        response.read()
        stream.body = response.text  # type: ignore[attr-defined]
        context.__exit__(None, None, None)
        client.close()
        return stream

    def read() -> None:
        try:
            _parse(response.iter_lines(), stream._events)
        except (httpx.HTTPError, RuntimeError, ValueError, OSError):
            pass  # closed by the test, or by the server
        finally:
            stream._events.put(None)

    reader = threading.Thread(target=read, name="sse-reader", daemon=True)
    reader.start()

    def close() -> None:
        try:
            context.__exit__(None, None, None)
        finally:
            client.close()
            reader.join(timeout=5)

    # The stream context must stay referenced: collected, it would close the response.
    stream._close = close
    stream._context = context  # type: ignore[attr-defined]
    return stream


# --- fixtures ----------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def asgi_server(django_db_setup: None, django_db_blocker: Any) -> Iterator[LiveServer]:
    server = LiveServer().start()
    yield server
    server.stop()
    # Connections the server's threads opened and did not give back (a thread ended with a
    # request cut short) would keep the test database from being dropped.
    with django_db_blocker.unblock(), connection.cursor() as cursor:
        cursor.execute(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        )


@pytest.fixture(scope="session")
def live_tenant(django_db_setup: None, django_db_blocker: Any) -> Tenant:
    slug, name, cnpj = live_tenant_slug(), LIVE_TENANT_NAME, live_tenant_cnpj()
    with django_db_blocker.unblock():
        tenant = Tenant.objects.filter(slug=slug).first()
        if tenant is None:
            tenant = tenant_provision(
                actor=Actor.command("tests"),
                name=name,
                cnpj=cnpj,
                slug=slug,
                contract_start=date(2026, 1, 1),
                contract_end=date(2027, 12, 31),
                admin_name=f"Admin {slug}",
                admin_email=f"admin@{slug}.gov.br",
            ).tenant
    return tenant


@pytest.fixture
def committed(django_db_blocker: Any, asgi_server: LiveServer) -> Iterator[None]:
    """Database access outside the test transaction: what the test writes is committed and
    seen by the live server. Blocked again once the server has finished its requests.

    Tenant rows stay in the live tenant; the shared public tables the webhooks write (raw event inbox,
    refusal counters) are put back as they were, since other tests count them."""
    with django_db_blocker.unblock():
        inbox_before = InboxEvent.objects.order_by("-id").values_list("id", flat=True).first()
        rejected_before = (
            RejectedWebhook.objects.order_by("-id").values_list("id", flat=True).first()
        )
        try:
            yield
        finally:
            asgi_server.wait_idle()
            InboxEvent.objects.filter(id__gt=inbox_before or 0).delete()
            RejectedWebhook.objects.filter(id__gt=rejected_before or 0).delete()


@pytest.fixture
def sse_streams(committed: None) -> Iterator[Callable[..., SseStream]]:
    opened: list[SseStream] = []

    def open_stream(*args: Any, **kwargs: Any) -> SseStream:
        stream = open_sse(*args, **kwargs)
        opened.append(stream)
        return stream

    yield open_stream
    for stream in opened:
        stream.close()

"""The one way to reach ClickHouse: `get_client()`.

`CLICKHOUSE_URL` names a ClickHouse server (`http://user:password@host:8123/database`, or
https). Unset, the embedded default is used: the chDB service (`analytics.server`) that owns
`ANALYTICS_EMBEDDED_PATH` and wrote its address in that folder's `service.json` — `make run`
starts it and exports CLICKHOUSE_URL to every process it launches (config/embedded.py,
docs/adr/0050). Either way the client is clickhouse-connect over HTTP, so the web process and
the Celery workers run the same code as production.

Clients are cached per thread and per process: a client's HTTP pool must not cross a fork
(Celery prefork), and keeping one per thread avoids sharing a connection mid-request.
"""

from __future__ import annotations

import os
import threading
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlsplit, urlunsplit

import clickhouse_connect
from clickhouse_connect.driver.client import Client
from clickhouse_connect.driver.exceptions import ClickHouseError
from django.conf import settings

from analytics.errors import AnalyticsUnavailable

_local = threading.local()


def embedded_url(path: Path | str | None = None) -> str | None:
    """The URL of the running embedded service for `path`, or None when none runs there."""
    from analytics.server import service_info

    folder = Path(path or settings.ANALYTICS_EMBEDDED_PATH)
    info = service_info(folder)
    if not info or not _process_alive(int(info.get("pid", 0))):
        return None
    password = str(info.get("password", ""))
    user = str(info.get("user", "default"))
    credentials = f"{quote(user, safe='')}:{quote(password, safe='')}@" if password else ""
    return f"http://{credentials}{info['host']}:{info['port']}/default"


def _process_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def clickhouse_url() -> str:
    url = str(getattr(settings, "CLICKHOUSE_URL", "") or "")
    if url:
        return url
    discovered = embedded_url()
    if discovered is None:
        raise AnalyticsUnavailable(
            "CLICKHOUSE_URL is unset and no embedded chDB service runs at "
            f"{settings.ANALYTICS_EMBEDDED_PATH}: start it with `make run` or "
            "`python -m analytics.server`"
        )
    return discovered


def redacted(url: str) -> str:
    """The URL without its password, for logs and command output."""
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = f"{parts.username}:***@{parts.hostname}" + (f":{parts.port}" if parts.port else "")
    return urlunsplit((parts.scheme, netloc, parts.path, parts.query, parts.fragment))


def client_create(url: str | None = None, *, database: str | None = None) -> Client:
    """A new client (not cached). `database` overrides the URL's, e.g. "default" to create the
    configured database before anything connects to it."""
    url = url or clickhouse_url()
    options: dict[str, Any] = {
        "dsn": url,
        # Sessions serialize a client's queries on a server ("session is locked"); we keep none.
        "autogenerate_session_id": False,
        "connect_timeout": settings.ANALYTICS_CONNECT_TIMEOUT_SECONDS,
        "send_receive_timeout": settings.ANALYTICS_QUERY_TIMEOUT_SECONDS,
    }
    if database is not None:
        options["database"] = database
    try:
        return clickhouse_connect.get_client(**options)
    except (ClickHouseError, OSError) as error:
        raise AnalyticsUnavailable(f"{redacted(url)}: {error}") from error


def get_client() -> Client:
    """The cached client of this thread for the configured ClickHouse."""
    url = clickhouse_url()
    key = (os.getpid(), url)
    cached: Client | None = getattr(_local, "client", None)
    if cached is not None and getattr(_local, "key", None) == key:
        return cached
    client = client_create(url)
    _local.client, _local.key = client, key
    return client


def client_reset() -> None:
    """Forgets this thread's client (after CLICKHOUSE_URL changes, in tests)."""
    cached = getattr(_local, "client", None)
    _local.client = _local.key = None
    if cached is not None:
        cached.close()

"""Browser tests: Debian's Chromium driven by Playwright against the live ASGI server of
tests/live/server.py (uvicorn on 127.0.0.1, test database, tenant "gama")."""

from __future__ import annotations

import os
from collections.abc import Iterator
from typing import Any

import pytest

from tests.live.server import (  # noqa: F401 - fixtures are found by name
    asgi_server,
    committed,
    live_tenant,
)

# Playwright's sync API keeps an event loop running in this thread; the test's own database
# calls are still synchronous, so Django's guard against ORM use inside a loop is lifted here.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture
def browser() -> Iterator[Any]:
    """One Playwright per test: a session-wide one would keep its event loop running in this
    thread and make every other test's `sync_playwright()` refuse to start."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if "tests/e2e/" in str(item.fspath):
            item.add_marker(pytest.mark.e2e)

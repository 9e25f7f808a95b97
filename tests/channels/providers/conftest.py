"""Shared fixtures for the provider adapter tests: simulators and an HTTP client."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from channels.providers.http import HttpClient, HttpTimeouts
from channels.providers.telegram.simulator import TelegramSimulator
from channels.providers.whatsapp.simulator import WhatsAppSimulator


@pytest.fixture
def http() -> Iterator[HttpClient]:
    client = HttpClient(
        timeouts=HttpTimeouts(connect=2, read=5, write=5, pool=2), sleep=lambda _: None
    )
    yield client
    client.close()


@pytest.fixture
def wa_sim() -> Iterator[WhatsAppSimulator]:
    with WhatsAppSimulator() as simulator:
        yield simulator


@pytest.fixture
def tg_sim() -> Iterator[TelegramSimulator]:
    with TelegramSimulator() as simulator:
        yield simulator

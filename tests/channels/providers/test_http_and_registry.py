"""The shared HTTP client (timeouts, retry policy) and the adapter registry."""

from __future__ import annotations

import socket

import httpx
import pytest

from channels.providers.errors import ProviderError, UnknownProvider
from channels.providers.http import HttpClient, HttpTimeouts
from channels.providers.registry import available_providers, get_adapter
from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.webchat.adapter import WebChatAdapter
from channels.providers.whatsapp.adapter import WhatsAppAdapter


class FlakyTransport(httpx.BaseTransport):
    """Fails the first `failures` requests with `error`, then answers 200."""

    def __init__(self, failures: int, error: type[httpx.TransportError]) -> None:
        self.failures = failures
        self.error = error
        self.calls = 0

    def handle_request(self, request: httpx.Request) -> httpx.Response:
        self.calls += 1
        if self.calls <= self.failures:
            raise self.error("simulated", request=request)
        return httpx.Response(200, json={"ok": True}, request=request)


def client_with(transport: httpx.BaseTransport, sleeps: list[float]) -> HttpClient:
    return HttpClient(
        transport=transport, connect_retries=2, backoff_seconds=0.5, sleep=sleeps.append
    )


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize("error", [httpx.ConnectError, httpx.ConnectTimeout])
def test_connection_failures_are_retried_with_backoff(error: type[httpx.TransportError]) -> None:
    sleeps: list[float] = []
    transport = FlakyTransport(failures=2, error=error)

    response = client_with(transport, sleeps).request(
        "POST", "https://provider.example/send", provider="x"
    )

    assert (response.status_code, transport.calls, sleeps) == (200, 3, [0.5, 1.0])


@pytest.mark.req("6.5.1")
def test_connection_failures_past_the_retry_budget_raise_a_retryable_provider_error() -> None:
    sleeps: list[float] = []
    transport = FlakyTransport(failures=5, error=httpx.ConnectError)

    with pytest.raises(ProviderError) as raised:
        client_with(transport, sleeps).request(
            "POST", "https://provider.example/send", provider="whatsapp"
        )

    assert (raised.value.provider, raised.value.code, raised.value.retryable) == (
        "whatsapp",
        "connection_error",
        True,
    )
    assert transport.calls == 3


@pytest.mark.req("6.5.1")
@pytest.mark.parametrize(
    ("error", "code"), [(httpx.ReadTimeout, "timeout"), (httpx.RemoteProtocolError, "http_error")]
)
def test_failures_after_the_request_left_are_not_retried(
    error: type[httpx.TransportError], code: str
) -> None:
    # The provider may already have sent the message; repeating could send it twice.
    sleeps: list[float] = []
    transport = FlakyTransport(failures=1, error=error)

    with pytest.raises(ProviderError) as raised:
        client_with(transport, sleeps).request(
            "POST", "https://provider.example/send", provider="telegram"
        )

    assert (raised.value.code, raised.value.retryable, transport.calls, sleeps) == (
        code,
        True,
        1,
        [],
    )


@pytest.mark.req("6.5.1")
def test_a_refused_connection_on_loopback_is_a_connection_error() -> None:
    # Given a port nothing listens on
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps: list[float] = []
    client = HttpClient(timeouts=HttpTimeouts(connect=1), connect_retries=1, sleep=sleeps.append)

    with pytest.raises(ProviderError) as raised:
        client.request("GET", f"http://127.0.0.1:{port}/", provider="whatsapp")

    assert (raised.value.code, sleeps) == ("connection_error", [0.2])
    client.close()


@pytest.mark.req("6.5.1")
def test_timeouts_are_explicit() -> None:
    timeout = HttpTimeouts(connect=3, read=10, write=11, pool=4).as_httpx()

    assert (timeout.connect, timeout.read, timeout.write, timeout.pool) == (3, 10, 11, 4)


@pytest.mark.req("6.5.1")
def test_the_registry_knows_every_provider() -> None:
    assert available_providers() == ("whatsapp", "telegram", "webchat")
    assert [type(get_adapter(name)) for name in available_providers()] == [
        WhatsAppAdapter,
        TelegramAdapter,
        WebChatAdapter,
    ]
    assert [get_adapter(name).name for name in available_providers()] == [
        "whatsapp",
        "telegram",
        "webchat",
    ]
    assert [get_adapter(name).supports_delivery_receipts for name in available_providers()] == [
        True,
        False,
        False,
    ]


@pytest.mark.req("6.5.1")
def test_an_unknown_provider_name_is_a_lookup_error() -> None:
    with pytest.raises(UnknownProvider):
        get_adapter("carrier-pigeon")
    with pytest.raises(LookupError):
        get_adapter("carrier-pigeon")

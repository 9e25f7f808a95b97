"""The one HTTP client every outbound provider call goes through.

Explicit timeouts, no redirects, and retries only when the connection could not be opened: at
that point the provider has not seen the request, so even a POST that sends a message is safe to
repeat. A read timeout or a 5xx is *not* retried here, because the provider may have acted on
the request; those surface as a retryable `ProviderError` and the outbox decides, with backoff.
"""

from __future__ import annotations

import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

import httpx

from channels.providers.errors import ProviderError

USER_AGENT = "atendimento-multicanal/1.0"


@dataclass(frozen=True)
class HttpTimeouts:
    connect: float = 5.0
    read: float = 30.0
    write: float = 30.0
    pool: float = 5.0

    def as_httpx(self) -> httpx.Timeout:
        return httpx.Timeout(connect=self.connect, read=self.read, write=self.write, pool=self.pool)


class HttpClient:
    """A thin, thread-safe wrapper over `httpx.Client` (connection pooling is shared)."""

    def __init__(
        self,
        *,
        timeouts: HttpTimeouts | None = None,
        connect_retries: int = 2,
        backoff_seconds: float = 0.2,
        transport: httpx.BaseTransport | None = None,
        sleep: Callable[[float], None] = time.sleep,
    ) -> None:
        self.timeouts = timeouts or HttpTimeouts()
        self.connect_retries = connect_retries
        self.backoff_seconds = backoff_seconds
        self._sleep = sleep
        self._client = httpx.Client(
            timeout=self.timeouts.as_httpx(),
            follow_redirects=False,
            transport=transport,
            headers={"User-Agent": USER_AGENT},
        )

    def request(
        self,
        method: str,
        url: str,
        *,
        provider: str,
        headers: Mapping[str, str] | None = None,
        params: Mapping[str, str] | None = None,
        json: Any = None,
        content: bytes | None = None,
    ) -> httpx.Response:
        """Send one request; connection failures are retried, then raised as `ProviderError`."""
        attempt = 0
        while True:
            try:
                return self._client.request(
                    method, url, headers=headers, params=params, json=json, content=content
                )
            except (httpx.ConnectError, httpx.ConnectTimeout) as error:
                if attempt >= self.connect_retries:
                    raise ProviderError(
                        provider=provider,
                        code="connection_error",
                        title="could not connect to the provider",
                        detail=str(error),
                        retryable=True,
                    ) from error
                attempt += 1
                self._sleep(self.backoff_seconds * attempt)
            except httpx.TimeoutException as error:
                raise ProviderError(
                    provider=provider,
                    code="timeout",
                    title="the provider did not answer in time",
                    detail=str(error),
                    retryable=True,
                ) from error
            except httpx.HTTPError as error:
                raise ProviderError(
                    provider=provider,
                    code="http_error",
                    title="the request to the provider failed",
                    detail=str(error),
                    retryable=True,
                ) from error

    def close(self) -> None:
        self._client.close()


_default_client: HttpClient | None = None


def default_http_client() -> HttpClient:
    """The process-wide client, created on first use so importing this module opens nothing."""
    global _default_client
    if _default_client is None:
        _default_client = HttpClient()
    return _default_client


def decode_json(response: httpx.Response) -> Any:
    """The response body as JSON, or None when it is not JSON (an HTML error page, say)."""
    try:
        return response.json()
    except ValueError:
        return None

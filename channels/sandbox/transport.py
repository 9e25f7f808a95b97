"""The simulator without the network: an httpx transport that answers in-process.

Used where the platform must talk to the simulated provider before (or without) its web server
being up, such as seeding the demo tenant, whose sandbox Telegram channel calls `setWebhook`
while it is created. Everything else reaches the simulator over HTTP like a real provider.
"""

from __future__ import annotations

from urllib.parse import parse_qs

import httpx
from django.conf import settings

from channels.models import ChannelMode, ChannelType
from channels.providers.http import HttpClient
from channels.providers.simulation import RecordedRequest
from channels.sandbox.providers import dispatch

PATH_PREFIX = "/sandbox/"


def builtin_sandbox_url(provider: str) -> str:
    """Where the built-in simulator answers for `provider`, on the public host."""
    return f"{str(settings.CHANNELS_WEBHOOK_BASE_URL).rstrip('/')}{PATH_PREFIX}{provider}"


class SandboxTransport(httpx.BaseTransport):
    def handle_request(self, request: httpx.Request) -> httpx.Response:
        path = request.url.path
        provider, _, rest = path.removeprefix(PATH_PREFIX).partition("/")
        recorded = RecordedRequest(
            method=request.method,
            path="/" + rest,
            query=parse_qs(request.url.query.decode()),
            headers=dict(request.headers.items()),
            body=request.read(),
        )
        answer = dispatch(provider, recorded, builtin_sandbox_url(provider))
        return httpx.Response(
            answer.status,
            content=answer.body,
            headers={"Content-Type": answer.content_type, **dict(answer.headers)},
        )


def uses_builtin_sandbox(channel_type: str, mode: str, sandbox_base_url: str) -> bool:
    if mode != ChannelMode.SANDBOX:
        return False
    url = sandbox_base_url or settings.CHANNELS_SANDBOX_URLS.get(channel_type, "")
    return str(url).rstrip("/") == builtin_sandbox_url(channel_type)


def sandbox_http_client(channel_type: str, mode: str, sandbox_base_url: str) -> HttpClient | None:
    """An in-process client for a Telegram channel served by the built-in simulator (its
    `setWebhook` runs while the channel is saved), else None: the adapter's own client."""
    if channel_type != ChannelType.TELEGRAM or not uses_builtin_sandbox(
        channel_type, mode, sandbox_base_url
    ):
        return None
    return HttpClient(transport=SandboxTransport())

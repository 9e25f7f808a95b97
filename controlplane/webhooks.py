"""Signed webhook deliveries to status-page subscribers: the one outbound HTTP client here.

Each POST carries `X-Status-Timestamp` and `X-Status-Signature: sha256=<hex>`, the HMAC-SHA256 of
"<timestamp>.<body>" with the subscription's secret, so a receiver can check origin and freshness.
Addresses are checked before sending: a subscriber cannot make us call our own network (SSRF).
Redirects are not followed, for the same reason.
"""

from __future__ import annotations

import hashlib
import hmac
import ipaddress
import json
import socket
import time
from typing import Any
from urllib.parse import urlsplit

import httpx
from django.conf import settings
from django.utils.translation import gettext as _

from controlplane import conf

SIGNATURE_HEADER = "X-Status-Signature"
TIMESTAMP_HEADER = "X-Status-Timestamp"
EVENT_HEADER = "X-Status-Event"
TIMEOUT = httpx.Timeout(connect=5.0, read=10.0, write=10.0, pool=5.0)

# Tests replace this with an httpx.MockTransport; production uses the default transport.
transport: httpx.BaseTransport | None = None


class WebhookAddressError(ValueError):
    """The URL may not receive webhooks (scheme, or an address inside a private network)."""


def sign(secret: str, timestamp: str, body: bytes) -> str:
    digest = hmac.new(secret.encode(), timestamp.encode() + b"." + body, hashlib.sha256)
    return f"sha256={digest.hexdigest()}"


def signature_valid(secret: str, timestamp: str, body: bytes, signature: str) -> bool:
    return hmac.compare_digest(sign(secret, timestamp, body), signature)


def _addresses(host: str) -> list[ipaddress.IPv4Address | ipaddress.IPv6Address]:
    try:
        return [ipaddress.ip_address(host)]
    except ValueError:
        pass
    try:
        infos = socket.getaddrinfo(host, None, proto=socket.IPPROTO_TCP)
    except OSError as error:
        raise WebhookAddressError(
            _("Não foi possível resolver o endereço %(host)s.") % {"host": host}
        ) from error
    return [ipaddress.ip_address(info[4][0]) for info in infos]


def url_check(url: str) -> None:
    """Refuses URLs that are not https (http only in development) or that reach private ranges."""
    parts = urlsplit(url)
    allowed_schemes = {"https"} if getattr(settings, "PRODUCTION", False) else {"https", "http"}
    if parts.scheme not in allowed_schemes or not parts.hostname:
        raise WebhookAddressError(_("Use um endereço https:// completo."))
    if conf.webhook_allow_private_addresses():
        return
    for address in _addresses(parts.hostname):
        if not address.is_global:
            raise WebhookAddressError(
                _("O endereço aponta para uma rede privada ou local e não pode receber avisos.")
            )


def deliver(*, url: str, secret: str, event: str, payload: dict[str, Any]) -> int:
    """POSTs the signed payload once and returns the HTTP status (raises on network errors)."""
    url_check(url)
    body = json.dumps(payload, ensure_ascii=False, sort_keys=True, default=str).encode()
    timestamp = str(int(time.time()))
    headers = {
        "Content-Type": "application/json; charset=utf-8",
        "User-Agent": "atendimento-digital-status/1.0",
        EVENT_HEADER: event,
        TIMESTAMP_HEADER: timestamp,
        SIGNATURE_HEADER: sign(secret, timestamp, body),
    }
    with httpx.Client(timeout=TIMEOUT, follow_redirects=False, transport=transport) as client:
        response = client.post(url, content=body, headers=headers)
    return response.status_code

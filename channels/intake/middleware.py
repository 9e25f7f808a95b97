"""Tenant routing with the webhook host's look-up cached for a few seconds.

django-tenants finds the tenant of every request by its host name: a search path and a SELECT,
about a third of what a provider webhook costs at the intake, on every one of them (providers
send up to 1,000 messages/s per number). Webhooks (`/webhooks/...`) always arrive on the same
few hosts, so their host's tenant is kept per process for `CACHE_SECONDS`, like the routing
entries the intake reads next (channels.intake.routing_cache). Every other path looks the
tenant up as before: a tenant's status or domains changed in the admin apply to its users at
once, and at most `CACHE_SECONDS` later to webhooks, which only need the host's schema.
Unknown hosts are never cached (a host added now works at once).
"""

from __future__ import annotations

import threading
import time
from contextvars import ContextVar
from typing import Any

from django.http import HttpRequest
from django_tenants.middleware.main import TenantMainMiddleware

CACHE_SECONDS = 5.0
MAX_HOSTS = 100
WEBHOOK_PREFIX = "/webhooks/"

_tenants: dict[str, tuple[float, Any]] = {}
_lock = threading.Lock()
# The middleware instance serves every request (threads): the path travels in a context var.
_webhook: ContextVar[bool] = ContextVar("intake_webhook_request", default=False)


def tenant_cache_clear() -> None:
    with _lock:
        _tenants.clear()


class TenantRoutingMiddleware(TenantMainMiddleware):
    """django-tenants' middleware; for webhook paths, the host's tenant from a short cache."""

    def process_request(self, request: HttpRequest) -> Any:
        token = _webhook.set(request.path.startswith(WEBHOOK_PREFIX))
        try:
            return super().process_request(request)
        finally:
            _webhook.reset(token)

    def get_tenant(self, domain_model: Any, hostname: str) -> Any:
        if not _webhook.get():
            return super().get_tenant(domain_model, hostname)
        with _lock:
            cached = _tenants.get(hostname)
        if cached is not None and cached[0] > time.monotonic():
            return cached[1]
        tenant = super().get_tenant(domain_model, hostname)  # raises DoesNotExist: not cached
        with _lock:
            if len(_tenants) >= MAX_HOSTS:
                _tenants.clear()
            _tenants[hostname] = (time.monotonic() + CACHE_SECONDS, tenant)
        return tenant

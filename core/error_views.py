"""Error pages on a tenant's host, rendered inside the tenant's schema.

Under ASGI, Django turns a view's exception (Http404, PermissionDenied) into a response on a
worker thread of its own (`sync_to_async(..., thread_sensitive=False)`), whose database
connection still points at the public schema while the URL conf is the tenant's. The page's
navigation then asked the wrong schema for the user's permissions and reversed the control
plane's URLs in the tenant's URL conf, and every signed-in 404 became a 500. These handlers put
that thread's connection on the request's tenant first.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager, nullcontext
from typing import Any

from django.http import HttpRequest, HttpResponse
from django.views import defaults
from django_tenants.utils import tenant_context


@contextmanager
def _on_tenant(request: HttpRequest) -> Iterator[None]:
    """The page is rendered completely inside; the thread's connection is put back after."""
    tenant = getattr(request, "tenant", None)
    with tenant_context(tenant) if tenant is not None else nullcontext():
        yield


def page_not_found(request: HttpRequest, exception: Exception) -> HttpResponse:
    with _on_tenant(request):
        return defaults.page_not_found(request, exception)


def permission_denied(request: HttpRequest, exception: Exception) -> HttpResponse:
    with _on_tenant(request):
        return defaults.permission_denied(request, exception)


def bad_request(request: HttpRequest, exception: Exception) -> HttpResponse:
    with _on_tenant(request):
        return defaults.bad_request(request, exception)


def server_error(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
    with _on_tenant(request):
        return defaults.server_error(request)

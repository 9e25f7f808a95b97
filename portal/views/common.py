"""What the console's and the monitor's views share: the actor, domain errors shown to the
person, and the answer to a form post (the refreshed fragment for htmx, a redirect otherwise,
so every form also works without JavaScript)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.utils.http import url_has_allowed_host_and_scheme

from desk.errors import DeskError
from desk.services.media import MediaRejected
from portal.errors import PortalRefused
from routing.errors import RoutingError
from security.actors import Actor
from security.selectors import policy_for_request

DOMAIN_ERRORS = (RoutingError, DeskError, MediaRejected, PortalRefused)


def actor_of(request: HttpRequest) -> Actor:
    return Actor.from_request(request)


def error_text(error: Exception) -> str:
    return str(getattr(error, "message", None) or error)


def attempt(request: HttpRequest, work: Callable[[], Any], success: str) -> bool:
    """Runs one service call; its refusal becomes an error message and changes nothing."""
    try:
        work()
    except DOMAIN_ERRORS as error:
        messages.error(request, error_text(error))
        return False
    messages.success(request, success)
    return True


def safe_next(request: HttpRequest, default: str) -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


def answer(
    request: HttpRequest, default: str, fragment: Callable[[], HttpResponse]
) -> HttpResponse:
    if getattr(request, "htmx", False):
        return fragment()
    return redirect(safe_next(request, default))


def idle_context(request: HttpRequest) -> dict[str, Any]:
    """The tenant's inactivity limit for the page's own timer (portal/_idle.html)."""
    return {"idle_minutes": policy_for_request(request).idle_timeout_minutes}

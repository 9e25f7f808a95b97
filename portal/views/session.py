"""The console's side of the inactivity logout (6.5.58.17, 6.5.56).

The server decides (security.middleware.AccessPolicyMiddleware ends a session idle longer than
the tenant's policy allows, and live updates and background refreshes do not count as
activity). A console left open sends nothing but background requests, so the page keeps its own
timer of the person's keys, clicks and touches: while they act it tells the server now and then
(`still_here`), and once they have been idle for the configured time it signs them out
(`idle_logout`) and shows the sign-in page, instead of leaving a dead console on screen."""

from __future__ import annotations

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from portal.views.common import safe_next


@require_safe
def still_here(request: HttpRequest) -> HttpResponse:
    """A person acted on the page: the middleware has just noted the activity."""
    return HttpResponse(status=204 if request.user.is_authenticated else 401)


@require_POST
def idle_logout(request: HttpRequest) -> HttpResponse:
    """Signs out a session its page found idle; recorded in the access log as an inactivity
    logout (security.signals)."""
    target = safe_next(request, reverse("portal_console:index"))
    if request.user.is_authenticated:
        request.security_logout_reason = "idle"  # type: ignore[attr-defined]
        logout(request)
        messages.info(request, _("Sua sessão foi encerrada por inatividade. Entre novamente."))
    return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': target})}")

"""Request-time enforcement of the tenant's policy.

`IpAccessMiddleware` (early, before sessions): the allow and block lists (6.5.23.9) for every
screen and the API. Provider webhooks (`/webhooks/…`) are never filtered: providers call from
addresses the municipality does not choose, and they prove themselves by signature instead.

`AccessPolicyMiddleware` (after authentication and django-otp): for a signed-in session, the
inactivity logout (6.5.56), the second factor (verify, or enrol when mandatory for the role) and
the forced change of an expired password (6.5.23.4). API calls with a bearer token carry no
session user at this point and are not affected.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.conf import settings
from django.contrib import messages
from django.contrib.auth import logout
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from security import clock
from security.actors import client_ip
from security.ip_access import ip_decide
from security.selectors import ip_rule_pairs, policy_for_request
from security.services.passwords import password_expired
from security.services.two_factor import two_factor_enabled, two_factor_required
from security.signals import LAST_SEEN_KEY

logger = logging.getLogger(__name__)

# Paths no policy applies to. `/webhooks/` is reserved for provider callbacks.
WEBHOOK_PREFIX = "/webhooks/"
# Citizens (WebChat widget), providers fetching signed media links and the built-in simulator
# come from anywhere: an IP allow-list is for the municipality's staff, not for them.
ALWAYS_OPEN_PREFIXES = (WEBHOOK_PREFIX, "/static/", "/webchat/", "/midia/", "/sandbox/")
# A request carrying this header (background polling, live updates) is not activity: it must
# not keep an idle session alive.
BACKGROUND_HEADER = "X-Background-Request"
# Write the last-seen time at most this often (seconds), so a busy console does not save its
# session on every request.
LAST_SEEN_RESOLUTION = 30

Handler = Callable[[HttpRequest], HttpResponse]


def _is_api(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


class IpAccessMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        if request.path.startswith(ALWAYS_OPEN_PREFIXES):
            return self.get_response(request)
        ip = client_ip(request)
        decision = ip_decide(ip, ip_rule_pairs())
        if decision.allowed:
            return self.get_response(request)
        logger.warning("request refused by IP rules", extra={"ip": ip, "reason": decision.reason})
        message = (
            _("Acesso negado: o endereço IP %(ip)s está na lista de bloqueio deste órgão.")
            if decision.reason == "bloqueado"
            else _(
                "Acesso negado: o endereço IP %(ip)s não está na lista de endereços liberados "
                "deste órgão."
            )
        ) % {"ip": ip or "-"}
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        return render(request, "security/ip_denied.html", {"message": message}, status=403)


class AccessPolicyMiddleware:
    def __init__(self, get_response: Handler) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        if (
            user is None
            or not user.is_authenticated
            or request.path.startswith(ALWAYS_OPEN_PREFIXES)
        ):
            return self.get_response(request)
        policy = policy_for_request(request)

        if policy.idle_timeout_minutes and self._idle_expired(request, policy.idle_timeout_minutes):
            return self._idle_logout(request)

        if not self._open_path(request):
            is_verified = getattr(user, "is_verified", None)
            if not (callable(is_verified) and is_verified()):
                if two_factor_enabled(user):
                    return self._detour(
                        request,
                        "account_security:two_factor_verify",
                        _("Informe o código do seu aplicativo autenticador."),
                    )
                if two_factor_required(user, policy):
                    return self._detour(
                        request,
                        "account_security:two_factor",
                        _(
                            "A verificação em duas etapas é obrigatória para o seu papel. "
                            "Ative-a para continuar."
                        ),
                    )
            if password_expired(user=user, policy=policy):
                return self._detour(
                    request,
                    "account_security:password_change",
                    _("Sua senha expirou. Crie uma nova senha para continuar."),
                )
        return self.get_response(request)

    @staticmethod
    def _open_path(request: HttpRequest) -> bool:
        """Pages a user in a forced state can still reach: the ones that resolve it."""
        open_paths = {
            reverse("account_security:two_factor"),
            reverse("account_security:two_factor_verify"),
            reverse("account_security:password_change"),
            reverse("accounts:logout"),
        }
        return request.path in open_paths

    @staticmethod
    def _idle_expired(request: HttpRequest, minutes: int) -> bool:
        now = clock.now().timestamp()
        last_seen = request.session.get(LAST_SEEN_KEY)
        if isinstance(last_seen, int | float) and now - last_seen > minutes * 60:
            return True
        # Live streams reconnect on their own (EventSource sends Accept: text/event-stream and
        # cannot set headers), so they are background too.
        background = request.headers.get(BACKGROUND_HEADER) == "1" or (
            "text/event-stream" in request.headers.get("Accept", "")
        )
        if not background and (
            not isinstance(last_seen, int | float) or now - last_seen >= LAST_SEEN_RESOLUTION
        ):
            request.session[LAST_SEEN_KEY] = now
        return False

    @staticmethod
    def _idle_logout(request: HttpRequest) -> HttpResponse:
        request.security_logout_reason = "idle"  # type: ignore[attr-defined]
        logout(request)
        message = _("Sua sessão foi encerrada por inatividade. Entre novamente.")
        if _is_api(request):
            return JsonResponse({"detail": message}, status=401)
        messages.info(request, message)
        return redirect(f"{reverse(settings.LOGIN_URL)}?{urlencode({'next': request.path})}")

    @staticmethod
    def _detour(request: HttpRequest, url_name: str, message: str) -> HttpResponse:
        if _is_api(request):
            return JsonResponse({"detail": message}, status=403)
        if request.method == "GET":
            messages.info(request, message)
        return redirect(f"{reverse(url_name)}?{urlencode({'next': request.get_full_path()})}")

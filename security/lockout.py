"""django-axes, configured per tenant (6.5.23.5, 6.5.23.7).

Axes counts failed sign-ins (its AccessAttempt table is in every schema, so each municipality
counts its own) and refuses authentication when a client is over the limit. Its settings accept
callables; these read the current schema's `SecurityPolicy`: how many failures, inside which
window, counted by user, by address or both.

Axes has one duration for both the counting window and the lockout. The policy has two, so a
lockout becomes `LoginBlock` rows (see `services.blocks`) that last the policy's duration, or
until an admin unblocks; the handler below refuses while such a row is active.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from axes.handlers.database import AxesDatabaseHandler
from axes.helpers import get_client_username
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.utils import formats, timezone
from django.utils.translation import gettext as _

from security.actors import client_ip as _client_ip
from security.models import LockoutScope, LoginBlock, SecurityPolicy
from security.selectors import login_block_find, policy_for_request, policy_get

BLOCK_ATTRIBUTE = "security_block"


def _policy(request: Any) -> SecurityPolicy:
    if isinstance(request, HttpRequest):
        return policy_for_request(request)
    return policy_get()


def failure_limit(request: HttpRequest, credentials: dict[str, Any] | None = None) -> int:
    return _policy(request).lockout_failures


def failure_window(request: HttpRequest | None = None) -> timedelta:
    return timedelta(minutes=_policy(request).lockout_window_minutes)


def lockout_parameters(request: Any, credentials: dict[str, Any] | None = None) -> list[str]:
    scope = _policy(request).lockout_scope
    if scope == LockoutScope.USER:
        return ["username"]
    if scope == LockoutScope.IP:
        return ["ip_address"]
    return ["username", "ip_address"]


def username(request: HttpRequest, credentials: dict[str, Any] | None = None) -> str | None:
    """E-mails are compared in lower case, so "Ana@x" and "ana@x" count as one user."""
    if credentials:
        raw = credentials.get("username")
    else:
        data = getattr(request, "POST", None) or {}
        raw = data.get("username")
    return str(raw).strip().lower() if raw else None


def client_ip(request: HttpRequest) -> str | None:
    return _client_ip(request)


class TenantLockoutHandler(AxesDatabaseHandler):
    """Axes' database handler, plus the block rows of the current schema."""

    def is_locked(self, request: HttpRequest, credentials: dict[str, Any] | None = None) -> bool:
        block = login_block_find(
            username=get_client_username(request, credentials),
            ip=getattr(request, "axes_ip_address", None),
        )
        if block is not None:
            setattr(request, BLOCK_ATTRIBUTE, block)
            return True
        return bool(super().is_locked(request, credentials))


def lockout_message(block: LoginBlock | None) -> str:
    if block is not None and block.expires_at is not None:
        return _(
            "Acesso bloqueado por excesso de tentativas sem sucesso. Tente novamente depois de "
            "%(until)s ou peça o desbloqueio ao administrador do seu órgão."
        ) % {"until": formats.date_format(timezone.localtime(block.expires_at), "d/m/Y H:i")}
    return _("Acesso bloqueado. Peça o desbloqueio ao administrador do seu órgão.")


def lockout_response(
    request: HttpRequest,
    original_response: HttpResponse | None = None,
    credentials: dict[str, Any] | None = None,
) -> HttpResponse:
    """What a locked-out client sees: JSON on the API, the sign-in page's lock notice elsewhere."""
    message = lockout_message(getattr(request, BLOCK_ATTRIBUTE, None))
    if request.path.startswith("/api/"):
        return JsonResponse({"detail": message}, status=429)
    return render(request, "security/locked.html", {"message": message}, status=429)

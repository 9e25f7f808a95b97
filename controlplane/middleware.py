"""Refuses every write on the host of a client whose contract ended (REQ 6.2.15).

Unsafe methods (POST, PUT, PATCH, DELETE) get 423 Locked with a clear message, as an HTML page
or, under /api/, as JSON; signing in and out still work. An archived client's host answers
410 Gone to everything. A `TenantReadOnly` raised by a service below is answered the same way.
"""

from __future__ import annotations

from collections.abc import Callable

from django.http import HttpRequest, HttpResponse, JsonResponse
from django.shortcuts import render
from django.urls import Resolver404, resolve
from django.utils.translation import gettext as _

from tenants.guards import TenantReadOnly, read_only_message
from tenants.models import TenantStatus

SAFE_METHODS = frozenset({"GET", "HEAD", "OPTIONS", "TRACE"})
# Named URL patterns of the tenant URL conf that sign a person in or out: the password form,
# its second factor, single sign-on's assertion consumer, the API's token sign-in, sign-out.
SIGN_IN_OUT_URL_NAMES = frozenset(
    {
        "accounts:login",
        "accounts:logout",
        "account_security:two_factor_verify",
        "sso:saml_acs",
        "tenant-api:obtain_token",
    }
)


def _signs_in_or_out(request: HttpRequest) -> bool:
    try:
        match = resolve(request.path_info, urlconf=getattr(request, "urlconf", None))
    except Resolver404:
        return False
    return match.view_name in SIGN_IN_OUT_URL_NAMES


def _wants_json(request: HttpRequest) -> bool:
    return request.path.startswith("/api/")


def refusal_response(request: HttpRequest, message: str, *, status: int) -> HttpResponse:
    if _wants_json(request):
        return JsonResponse({"detail": message}, status=status)
    return render(
        request,
        "controlplane/tenant_closed.html",
        {"message": message, "status": status},
        status=status,
    )


class ReadOnlyTenantMiddleware:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        tenant = getattr(request, "tenant", None)
        status = getattr(tenant, "status", None)
        if status == TenantStatus.ARCHIVED:
            return refusal_response(
                request,
                _("O ambiente deste órgão foi arquivado após o encerramento do contrato."),
                status=410,
            )
        if (
            status == TenantStatus.READ_ONLY
            and request.method not in SAFE_METHODS
            and not _signs_in_or_out(request)
        ):
            return refusal_response(request, read_only_message(), status=423)
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if isinstance(exception, TenantReadOnly):
            return refusal_response(request, exception.message, status=423)
        return None

from __future__ import annotations

import re
import uuid
from collections.abc import Callable

from django.http import HttpRequest, HttpResponse
from django.utils import translation

from core.context import request_id_var, tenant_var

_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{8,64}$")


class RequestContextMiddleware:
    """Gives each request an id (kept from a trusted proxy's X-Request-ID when well formed)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        incoming = request.headers.get("X-Request-ID", "")
        request_id = incoming if _REQUEST_ID.match(incoming) else uuid.uuid4().hex
        tenant = getattr(request, "tenant", None)
        tenant_token = tenant_var.set(getattr(tenant, "schema_name", "-"))
        request_token = request_id_var.set(request_id)
        request.request_id = request_id  # type: ignore[attr-defined]
        try:
            response = self.get_response(request)
        finally:
            tenant_var.reset(tenant_token)
            request_id_var.reset(request_token)
        response["X-Request-ID"] = request_id
        return response


class UserLanguageMiddleware:
    """Activates the signed-in user's chosen language (pt-BR unless they picked another)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        user = getattr(request, "user", None)
        language = getattr(user, "language", "") if user is not None else ""
        if language and user is not None and user.is_authenticated:
            translation.activate(language)
            request.LANGUAGE_CODE = language  # type: ignore[attr-defined]
        return self.get_response(request)

"""What every API shares: one authentication that resolves the user inside the current tenant's
schema, the capability check, and one place that maps domain errors to HTTP responses."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.utils.translation import gettext as _
from ninja import NinjaAPI, Schema
from ninja.errors import AuthenticationError, HttpError, ValidationError
from ninja.security import APIKeyCookie, HttpBearer

from accounts.errors import AccountError
from accounts.services import api_token_authenticate
from channels.errors import ChannelError
from core.permissions import has_capability, is_operator
from desk.errors import DeskError
from tenants.errors import ProvisioningError


class TokenAuth(HttpBearer):
    """`Authorization: Bearer tk_…`. Tokens live in the tenant's schema, so a token of another
    tenant is simply unknown here."""

    openapi_description = (
        "Token de API do órgão. Um administrador cria o token em Configurações > Tokens de API "
        "(ou via `POST /api/auth/token`) e o envia no cabeçalho `Authorization: Bearer <token>`."
    )

    def authenticate(self, request: HttpRequest, token: str) -> Any:
        api_token = api_token_authenticate(token)
        if api_token is None:
            return None
        request.api_token = api_token  # type: ignore[attr-defined]
        request.user = api_token.user
        return api_token.user


class SessionAuth(APIKeyCookie):
    """The browser's session cookie (with CSRF), for the console's own calls."""

    param_name = "sessionid"

    def authenticate(self, request: HttpRequest, key: str | None) -> Any:
        user = getattr(request, "user", None)
        if user is not None and user.is_authenticated:
            return user
        return None


class ErrorOut(Schema):
    detail: str
    field: str | None = None


def require_capability(request: HttpRequest, capability: str) -> None:
    if not has_capability(request.user, capability):
        raise HttpError(403, _("Seu papel não permite esta operação."))


def require_operator(request: HttpRequest) -> None:
    if not is_operator(request.user):
        raise HttpError(403, _("Somente operadores do provedor podem usar esta operação."))


def install_error_handlers(api: NinjaAPI) -> None:
    @api.exception_handler(AccountError)
    def account_error(request: HttpRequest, error: AccountError) -> HttpResponse:
        return api.create_response(
            request, {"detail": error.message, "field": error.field}, status=400
        )

    @api.exception_handler(ProvisioningError)
    def provisioning_error(request: HttpRequest, error: ProvisioningError) -> HttpResponse:
        return api.create_response(
            request, {"detail": error.message, "field": error.field}, status=400
        )

    @api.exception_handler(ChannelError)
    def channel_error(request: HttpRequest, error: ChannelError) -> HttpResponse:
        return api.create_response(
            request, {"detail": error.message, "field": error.field}, status=400
        )

    @api.exception_handler(DeskError)
    def desk_error(request: HttpRequest, error: DeskError) -> HttpResponse:
        # `code` is stable for programs (e.g. `session_window_closed`: send a template).
        return api.create_response(
            request,
            {"detail": error.message, "field": error.field, "code": error.code},
            status=400,
        )

    @api.exception_handler(AuthenticationError)
    def unauthenticated(request: HttpRequest, error: AuthenticationError) -> HttpResponse:
        return api.create_response(
            request, {"detail": _("Autenticação necessária: envie um token válido.")}, status=401
        )

    @api.exception_handler(ValidationError)
    def invalid(request: HttpRequest, error: ValidationError) -> HttpResponse:
        return api.create_response(
            request,
            {"detail": _("Dados inválidos na requisição."), "errors": error.errors},
            status=422,
        )

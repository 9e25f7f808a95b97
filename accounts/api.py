from __future__ import annotations

from datetime import datetime

from django.contrib.auth import authenticate
from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from django.utils.translation import gettext as _
from ninja import Router, Schema, Status
from ninja.errors import HttpError
from pydantic import EmailStr

from accounts import selectors, services
from accounts.models import User
from accounts.roles import Role
from core.api import ErrorOut, require_capability
from security.actors import Actor

router = Router(tags=["usuários"])
auth_router = Router(tags=["autenticação"])


class UserOut(Schema):
    id: int
    email: str
    full_name: str
    role: str | None
    is_active: bool
    date_joined: datetime

    @staticmethod
    def resolve_role(user: User) -> str | None:
        return user.role


class UserCreateIn(Schema):
    email: EmailStr
    full_name: str
    role: Role


class UserCreateOut(Schema):
    user: UserOut
    invitation_sent: bool


class UserUpdateIn(Schema):
    full_name: str | None = None
    role: Role | None = None
    is_active: bool | None = None


@router.get("/users", response=list[UserOut], summary="Listar usuários")
def list_users(request: HttpRequest) -> list[User]:
    require_capability(request, "view_users")
    return list(selectors.user_list())


@router.get("/users/{user_id}", response={200: UserOut, 404: ErrorOut}, summary="Ler usuário")
def get_user(request: HttpRequest, user_id: int) -> User:
    require_capability(request, "view_users")
    return get_object_or_404(User, pk=user_id)


@router.post("/users", response={201: UserCreateOut, 400: ErrorOut}, summary="Convidar usuário")
def create_user(request: HttpRequest, payload: UserCreateIn) -> Status[dict[str, object]]:
    """Creates the user without a password and e-mails an invitation link with which they set
    their own password (6.5.23.3)."""
    require_capability(request, "manage_users")
    link = services.user_invite(
        actor=Actor.from_request(request, via="api"),
        email=payload.email,
        full_name=payload.full_name,
        role=payload.role,
        host=request.get_host().split(":")[0],
    )
    return Status(201, {"user": link.user, "invitation_sent": True})


@router.patch(
    "/users/{user_id}",
    response={200: UserOut, 400: ErrorOut, 404: ErrorOut},
    summary="Atualizar usuário",
)
def update_user(request: HttpRequest, user_id: int, payload: UserUpdateIn) -> User:
    require_capability(request, "manage_users")
    user = get_object_or_404(User, pk=user_id)
    return services.user_update(
        actor=Actor.from_request(request, via="api"),
        user=user,
        full_name=payload.full_name,
        role=payload.role,
        is_active=payload.is_active,
    )


class TokenIn(Schema):
    email: EmailStr
    password: str
    name: str


class TokenOut(Schema):
    token: str
    name: str
    prefix: str


@auth_router.post(
    "/token",
    auth=None,
    response={201: TokenOut, 401: ErrorOut, 403: ErrorOut},
    summary="Obter um token de API",
)
def obtain_token(request: HttpRequest, payload: TokenIn) -> Status[dict[str, object]]:
    """Exchanges the e-mail and password of a user allowed to manage API tokens for a new token.

    The token is shown only in this response; keep it in a secret store. Send it as
    `Authorization: Bearer <token>`. It acts with the role of the user who created it.
    """
    user = authenticate(request, username=payload.email.lower(), password=payload.password)
    if user is None:
        raise HttpError(401, _("E-mail ou senha incorretos."))
    request.user = user
    require_capability(request, "manage_api_tokens")
    issued = services.api_token_create(
        actor=Actor.from_request(request, user=user, via="api"), user=user, name=payload.name
    )
    return Status(
        201,
        {"token": issued.token, "name": issued.api_token.name, "prefix": issued.api_token.prefix},
    )

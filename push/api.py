"""Web Push API (mounted at /api/push): the console's service worker subscription of the
signed-in user (6.5.64). The request body is what `PushSubscription.toJSON()` gives."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Field, Router, Schema, Status
from ninja.errors import HttpError

from accounts.models import User
from core.api import ErrorOut, require_capability
from push.services import (
    PushRefused,
    push_enabled,
    push_subscription_delete,
    push_subscription_save,
    vapid_public_key,
)
from security.actors import Actor

router = Router(tags=["notificações push"])


class PushConfigOut(Schema):
    enabled: bool
    public_key: str = Field(description="Chave VAPID (base64url) para `applicationServerKey`.")


class SubscriptionKeysIn(Schema):
    p256dh: str = Field(max_length=120)
    auth: str = Field(max_length=40)


class SubscriptionIn(Schema):
    endpoint: str = Field(max_length=1000)
    keys: SubscriptionKeysIn


class SubscriptionOut(Schema):
    id: int
    endpoint: str
    created_at: datetime


class UnsubscribeIn(Schema):
    endpoint: str = Field(max_length=1000)


def _user(request: HttpRequest) -> User:
    require_capability(request, "serve")
    return request.user  # type: ignore[return-value]


@router.get("/configuracao", response=PushConfigOut)
def push_config(request: HttpRequest) -> dict[str, Any]:
    _user(request)
    return {"enabled": push_enabled(), "public_key": vapid_public_key()}


@router.post("/inscricoes", response={201: SubscriptionOut, 400: ErrorOut})
def subscription_create(request: HttpRequest, payload: SubscriptionIn) -> Status[Any]:
    user = _user(request)
    try:
        subscription = push_subscription_save(
            actor=Actor.from_request(request),
            user=user,
            endpoint=payload.endpoint,
            p256dh=payload.keys.p256dh,
            auth=payload.keys.auth,
            user_agent=request.headers.get("User-Agent", ""),
        )
    except PushRefused as refused:
        return Status(400, {"detail": refused.message, "field": refused.field})
    return Status(201, subscription)


@router.delete("/inscricoes", response={204: None, 404: ErrorOut})
def subscription_delete(request: HttpRequest, payload: UnsubscribeIn) -> Status[None]:
    user = _user(request)
    removed = push_subscription_delete(
        actor=Actor.from_request(request), user=user, endpoint=payload.endpoint
    )
    if not removed:
        raise HttpError(404, _("Inscrição não encontrada."))
    return Status(204, None)

"""Capability checks shared by screens and API, so both apply the same rules."""

from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any

from django.conf import settings
from django.contrib.auth.views import redirect_to_login
from django.core.exceptions import PermissionDenied
from django.db import connection
from django.http import HttpRequest, HttpResponse

View = Callable[..., HttpResponse]


def on_control_plane() -> bool:
    return bool(connection.schema_name == settings.PUBLIC_SCHEMA_NAME)  # type: ignore[attr-defined]


def has_capability(user: Any, capability: str) -> bool:
    if user is None or not user.is_authenticated or not user.is_active:
        return False
    if on_control_plane():
        return False
    return bool(user.has_perm(f"accounts.{capability}"))


def is_operator(user: Any) -> bool:
    return bool(
        on_control_plane()
        and user is not None
        and user.is_authenticated
        and user.is_active
        and user.is_staff
    )


def capability_required(capability: str) -> Callable[[View], View]:
    def decorator(view: View) -> View:
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            if not request.user.is_authenticated:
                return redirect_to_login(request.get_full_path())
            if not has_capability(request.user, capability):
                raise PermissionDenied
            return view(request, *args, **kwargs)

        return wrapper

    return decorator


def operator_required(view: View) -> View:
    @wraps(view)
    def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        if not request.user.is_authenticated:
            return redirect_to_login(request.get_full_path())
        if not is_operator(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapper

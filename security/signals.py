"""Receivers of Django's sign-in signals and of django-axes' lockout: the access log (6.2.17)
and the conversion of a lockout into block rows. They only record rows; nothing is sent."""

from __future__ import annotations

from typing import Any

from axes.signals import user_locked_out
from django.contrib.auth.signals import user_logged_in, user_logged_out, user_login_failed
from django.dispatch import receiver
from django.http import HttpRequest

from security import clock
from security.lockout import BLOCK_ATTRIBUTE
from security.models import AccessEventKind
from security.selectors import policy_for_request
from security.services.access_log import access_event_record
from security.services.blocks import login_block_after_failures

# Session key of the last activity, read by the inactivity logout (6.5.56).
LAST_SEEN_KEY = "security_last_seen"


@receiver(user_logged_in, dispatch_uid="security_access_login")
def _on_login(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None:
        return
    access_event_record(request=request, kind=AccessEventKind.LOGIN, user=user)
    session = getattr(request, "session", None)
    if session is not None:
        session[LAST_SEEN_KEY] = clock.now().timestamp()


@receiver(user_logged_out, dispatch_uid="security_access_logout")
def _on_logout(sender: Any, request: HttpRequest | None, user: Any, **kwargs: Any) -> None:
    if request is None or user is None:
        return
    detail = getattr(request, "security_logout_reason", "")
    kind = AccessEventKind.IDLE_LOGOUT if detail == "idle" else AccessEventKind.LOGOUT
    access_event_record(request=request, kind=kind, user=user)


@receiver(user_login_failed, dispatch_uid="security_access_failure")
def _on_failure(
    sender: Any, credentials: dict[str, Any], request: HttpRequest | None = None, **kwargs: Any
) -> None:
    if request is None:
        return
    blocked = getattr(request, BLOCK_ATTRIBUTE, None) is not None
    access_event_record(
        request=request,
        kind=AccessEventKind.FAILURE,
        username=str(credentials.get("username") or ""),
        detail="bloqueado" if blocked else "",
    )


@receiver(user_locked_out, dispatch_uid="security_lockout_block")
def _on_locked_out(
    sender: Any,
    request: HttpRequest,
    username: str | None = None,
    ip_address: str | None = None,
    **kwargs: Any,
) -> None:
    if getattr(request, BLOCK_ATTRIBUTE, None) is not None:
        # Refused by a block that already exists: nothing new to block.
        return
    block = login_block_after_failures(
        request=request, policy=policy_for_request(request), username=username, ip=ip_address
    )
    if block is not None:
        setattr(request, BLOCK_ATTRIBUTE, block)

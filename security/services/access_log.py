"""Recording the access log (6.2.17): who came in or was refused, from where, on what device."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest

from security.actors import client_ip
from security.devices import device_from_user_agent
from security.models import AccessEvent


def access_event_record(
    *,
    request: HttpRequest | None,
    kind: str,
    username: str = "",
    user: Any = None,
    detail: str = "",
) -> AccessEvent:
    user_agent = request.headers.get("User-Agent", "")[:300] if request is not None else ""
    device = device_from_user_agent(user_agent)
    authenticated = user is not None and getattr(user, "pk", None) is not None
    return AccessEvent.objects.create(
        kind=kind,
        user_id=user.pk if authenticated else None,
        username=(user.get_username() if authenticated else (username or ""))[:254].lower(),
        ip=client_ip(request) if request is not None else None,
        user_agent=user_agent,
        browser=device.browser,
        operating_system=device.operating_system,
        device=device.device,
        detail=detail[:200],
    )

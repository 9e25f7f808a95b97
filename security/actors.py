"""Who is acting: a person on a screen, an API token, or the system itself.

Services take an `Actor` so that every state change can be audited with who, from where
and through which door, without services reading the request.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from django.http import HttpRequest


@dataclass(frozen=True)
class Actor:
    user_id: int | None
    label: str
    via: str  # "web", "api", "system", "command"
    ip: str | None = None
    user_agent: str = ""
    request_id: str = ""
    token_prefix: str = ""

    @classmethod
    def system(cls, label: str = "sistema") -> Actor:
        return cls(user_id=None, label=label, via="system")

    @classmethod
    def command(cls, label: str) -> Actor:
        return cls(user_id=None, label=label, via="command")

    @classmethod
    def from_request(cls, request: HttpRequest, *, user: Any = None, via: str = "web") -> Actor:
        person: Any = user if user is not None else getattr(request, "user", None)
        authenticated = bool(person is not None and person.is_authenticated)
        token = getattr(request, "api_token", None)
        return cls(
            user_id=person.pk if authenticated else None,
            label=person.email if authenticated else "anônimo",
            via="api" if token is not None else via,
            ip=client_ip(request),
            user_agent=request.headers.get("User-Agent", "")[:300],
            request_id=getattr(request, "request_id", ""),
            token_prefix=getattr(token, "prefix", ""),
        )


def client_ip(request: HttpRequest) -> str | None:
    # REMOTE_ADDR is set by the ASGI server from the socket, or from X-Forwarded-For by the
    # proxy configuration (uvicorn --proxy-headers with --forwarded-allow-ips), never from a
    # header the client can forge.
    return request.META.get("REMOTE_ADDR") or None

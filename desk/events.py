"""Live events for connected agents, supervisors and WebChat visitors.

Every event goes to the Redis pub/sub channel `live:<schema>` as one JSON object:

    {"type": "message.created", "payload": {...}, "audience": {...}, "at": "<ISO-8601 UTC>"}

`audience` says who may see it; the SSE view (a later module) subscribes to its tenant's
channel and forwards an event to a connection only when the connection's user matches:

    {"teams": [3],            # members of these teams (and supervisors/admins, who see all)
     "users": [12],           # these users, whatever their teams
     "roles": ["supervisor"], # users with these roles
     "webchat": {"channel_key": "ck_...", "visitor_id": "v_..."}}  # one widget visitor

Pushing is best effort: the database is the truth, a screen that missed an event catches up on
its next load. So `publish` never raises, and services call it only after commit
(`publish_on_commit`), never from inside an open transaction.

Event types published by the pipeline: `conversation.created`, `conversation.updated`,
`message.created`, `message.status`, `message.media`, `webchat.message`; by
desk.services.captured_data, `conversation.data` (a field recorded, without its value).
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from functools import partial
from typing import Any

import redis
from django.conf import settings
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from desk.tenancy import current_schema

logger = logging.getLogger("desk.events")

CHANNEL_PREFIX = "live:"
# Everyone who supervises sees every queue.
SUPERVISING_ROLES = ("administrador", "supervisor")

_client: redis.Redis | None = None

# Other apps that react to the same events after commit (push/ sends Web Push notifications)
# register here from their AppConfig.ready(): called with (event type, payload, schema name).
EventListener = Callable[[str, dict[str, Any], str], None]
_listeners: list[EventListener] = []


def listener_add(listener: EventListener) -> None:
    if listener not in _listeners:
        _listeners.append(listener)


@dataclass(frozen=True)
class Audience:
    teams: Sequence[int] = ()
    users: Sequence[int] = ()
    roles: Sequence[str] = SUPERVISING_ROLES
    webchat: Mapping[str, str] | None = None
    extra: Mapping[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        data: dict[str, Any] = {
            "teams": [int(team) for team in self.teams],
            "users": [int(user) for user in self.users],
            "roles": list(self.roles),
        }
        if self.webchat is not None:
            data["webchat"] = dict(self.webchat)
        data.update(self.extra)
        return data


def live_channel(schema_name: str) -> str:
    # Redis pub/sub ignores the database number: tests running side by side set their own
    # prefix (settings.LIVE_EVENTS_PREFIX) so they never hear each other.
    return f"{getattr(settings, 'LIVE_EVENTS_PREFIX', CHANNEL_PREFIX)}{schema_name}"


def _redis() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=2, socket_connect_timeout=2
        )
    return _client


def publish(
    event_type: str,
    payload: Mapping[str, Any],
    audience: Audience,
    *,
    schema_name: str | None = None,
) -> bool:
    """Publishes one event on the tenant's live channel now; False if Redis refused."""
    schema = schema_name or current_schema()
    message = json.dumps(
        {
            "type": event_type,
            "payload": dict(payload),
            "audience": audience.as_dict(),
            "at": timezone.now().isoformat(),
        },
        cls=DjangoJSONEncoder,
        ensure_ascii=False,
    )
    try:
        # Numbered and kept for Last-Event-ID resume, then published, in one step. Imported
        # here: desk.live (the SSE side) imports this module.
        from desk.live import live_record

        live_record(_redis(), schema, message)
    except (redis.RedisError, OSError):
        logger.warning("live event not published", extra={"event_type": event_type})
        return False
    return True


def publish_on_commit(event_type: str, payload: Mapping[str, Any], audience: Audience) -> None:
    """Publishes once the current transaction commits (nothing if it rolls back)."""
    schema = current_schema()
    frozen = dict(payload)
    transaction.on_commit(lambda: publish(event_type, frozen, audience, schema_name=schema))
    for listener in _listeners:
        transaction.on_commit(partial(listener, event_type, frozen, schema))

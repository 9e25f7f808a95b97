"""Live updates over Server-Sent Events (no Django Channels: DESIGN.md, "Python packages").

Publishing (sync, in services and workers, after commit): `desk.events.publish` calls
`live_record`, which stores each event of a tenant in a short replay list and publishes it on
the Redis pub/sub channel `live:<schema>` in one atomic script, numbering it from a per-schema
counter. The number is the SSE event id.

Streaming (async, under uvicorn): `LiveHub` keeps one Redis subscription per process and schema
and fans each event out to every open stream of that schema, so a thousand connected agents cost
one Redis connection per web process, not a thousand. `event_stream` turns a subscription into
SSE bytes for one connection:

- events are filtered per connection (`accept`) and reshaped (`shape`), so nobody receives what
  they may not see (desk.visibility: an agent, only their teams' conversations) and the
  audience itself is never sent;
- `Last-Event-ID` resumes: the events after that id still in the replay list are sent first;
  when some are gone (the list is short) an `event: reset` tells the page to reload its state;
- a comment line every `LIVE_HEARTBEAT_SECONDS` keeps proxies from closing an idle stream and
  lets the server notice a client that went away;
- a stream ends after `LIVE_MAX_STREAM_SECONDS`; EventSource reconnects with its last id, and
  permissions are checked again on every connection;
- a client that disconnects cancels the generator; its subscription is released in `finally`.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import weakref
from collections.abc import AsyncIterator, Callable, Mapping
from dataclasses import dataclass, field
from typing import Any

import redis
import redis.asyncio as aioredis
from asgiref.sync import sync_to_async
from django.conf import settings
from django.http import HttpRequest, JsonResponse, StreamingHttpResponse
from django.http.response import HttpResponseBase
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET

from desk.events import live_channel
from desk.visibility import Visibility, visible_to
from security.masking import Masker, masker_for

logger = logging.getLogger("desk.live")

# Keyed by the pub/sub channel name (which carries settings.LIVE_EVENTS_PREFIX, if any).
SEQUENCE_PREFIX = "seq:"
REPLAY_PREFIX = "replay:"
# The browser waits this long before reconnecting a dropped stream.
RETRY_MILLISECONDS = 3000
# A stream whose reader lags this many events behind is closed (it resumes from the replay).
QUEUE_SIZE = 1000

Event = dict[str, Any]
Accept = Callable[[Event], bool]
Shape = Callable[[Event], Event]


def _setting(name: str, default: float) -> float:
    return float(getattr(settings, name, default))


def heartbeat_seconds() -> float:
    return _setting("LIVE_HEARTBEAT_SECONDS", 15.0)


def max_stream_seconds() -> float:
    return _setting("LIVE_MAX_STREAM_SECONDS", 600.0)


def replay_size() -> int:
    return int(_setting("LIVE_REPLAY_SIZE", 500))


# --- publishing (sync) -------------------------------------------------------------------------

# The id is spliced in front of the event's own JSON object, so the stored and the published
# text are the same bytes and nobody re-encodes the payload.
_RECORD_SCRIPT = """
local id = redis.call('INCR', KEYS[1])
local message = '{"id":' .. id .. ',' .. string.sub(ARGV[1], 2)
redis.call('RPUSH', KEYS[2], message)
redis.call('LTRIM', KEYS[2], -tonumber(ARGV[2]), -1)
redis.call('EXPIRE', KEYS[2], tonumber(ARGV[3]))
redis.call('PUBLISH', KEYS[3], message)
return id
"""
_REPLAY_TTL_SECONDS = 24 * 3600
_scripts: weakref.WeakKeyDictionary[redis.Redis, Any] = weakref.WeakKeyDictionary()


def live_record(client: redis.Redis, schema_name: str, message: str) -> int:
    """Numbers, keeps and publishes one event (a JSON object text); returns its id.

    Raises what Redis raises: the caller (desk.events.publish) decides that pushing is best
    effort.
    """
    if not message.startswith("{") or message == "{}":
        raise ValueError("a live event is a non-empty JSON object")
    script = _scripts.get(client)
    if script is None:
        script = client.register_script(_RECORD_SCRIPT)
        _scripts[client] = script
    channel = live_channel(schema_name)
    keys = [f"{SEQUENCE_PREFIX}{channel}", f"{REPLAY_PREFIX}{channel}", channel]
    return int(script(keys=keys, args=[message, replay_size(), _REPLAY_TTL_SECONDS]))


# --- fan-out (async) ---------------------------------------------------------------------------


@dataclass(eq=False)
class Subscription:
    channel: str
    queue: asyncio.Queue[Event | None] = field(
        default_factory=lambda: asyncio.Queue(maxsize=QUEUE_SIZE)
    )

    def deliver(self, event: Event | None) -> None:
        try:
            self.queue.put_nowait(event)
        except asyncio.QueueFull:
            # Too slow a reader: end its stream; it resumes from the replay list.
            self._end()

    def _end(self) -> None:
        while not self.queue.empty():
            self.queue.get_nowait()
        self.queue.put_nowait(None)


class LiveHub:
    """One Redis pub/sub connection for every stream of this process (and event loop)."""

    def __init__(self, url: str) -> None:
        self._client = aioredis.Redis.from_url(url, socket_connect_timeout=5)
        self._pubsub: Any = None
        self._subscriptions: dict[str, set[Subscription]] = {}
        self._lock = asyncio.Lock()
        self._reader: asyncio.Task[None] | None = None

    @property
    def client(self) -> aioredis.Redis:
        return self._client

    async def subscribe(self, channel: str) -> Subscription:
        subscription = Subscription(channel=channel)
        async with self._lock:
            if self._pubsub is None:
                self._pubsub = self._client.pubsub(ignore_subscribe_messages=True)
            if channel not in self._subscriptions:
                await self._pubsub.subscribe(channel)
                self._subscriptions[channel] = set()
            self._subscriptions[channel].add(subscription)
            if self._reader is None or self._reader.done():
                self._reader = asyncio.get_running_loop().create_task(self._read())
        return subscription

    async def unsubscribe(self, subscription: Subscription) -> None:
        async with self._lock:
            group = self._subscriptions.get(subscription.channel)
            if group is None:
                return
            group.discard(subscription)
            if group:
                return
            del self._subscriptions[subscription.channel]
            if self._pubsub is not None:
                try:
                    await self._pubsub.unsubscribe(subscription.channel)
                except (redis.RedisError, OSError):
                    logger.warning(
                        "live unsubscribe failed", extra={"channel": subscription.channel}
                    )

    async def _read(self) -> None:
        while True:
            async with self._lock:
                if not self._subscriptions:
                    await self._close_pubsub()
                    self._reader = None
                    return
                pubsub = self._pubsub
            try:
                message = await pubsub.get_message(timeout=1.0)
            except asyncio.CancelledError:
                raise
            except (redis.RedisError, OSError, RuntimeError):
                logger.warning("live subscription lost; streams will resume from the replay")
                await self._fail()
                return
            if not message or message.get("type") != "message":
                continue
            self._dispatch(message)

    def _dispatch(self, message: Mapping[str, Any]) -> None:
        channel = message["channel"]
        channel = channel.decode() if isinstance(channel, bytes) else str(channel)
        try:
            event = json.loads(message["data"])
        except (TypeError, ValueError):
            return
        if not isinstance(event, dict):
            return
        for subscription in list(self._subscriptions.get(channel, ())):
            subscription.deliver(event)

    async def _fail(self) -> None:
        async with self._lock:
            for group in self._subscriptions.values():
                for subscription in group:
                    subscription._end()
            self._subscriptions.clear()
            await self._close_pubsub()
            self._reader = None

    async def _close_pubsub(self) -> None:
        if self._pubsub is not None:
            with contextlib.suppress(redis.RedisError, OSError):
                await self._pubsub.aclose()
            self._pubsub = None


_hubs: weakref.WeakKeyDictionary[asyncio.AbstractEventLoop, LiveHub] = weakref.WeakKeyDictionary()


def live_hub() -> LiveHub:
    """The hub of the running event loop (asyncio objects belong to one loop)."""
    loop = asyncio.get_running_loop()
    hub = _hubs.get(loop)
    if hub is None:
        hub = LiveHub(settings.REDIS_URL)
        _hubs[loop] = hub
    return hub


# --- one stream --------------------------------------------------------------------------------


def sse_frame(event: Event, *, event_type: str | None = None) -> bytes:
    """One SSE message. `data` is a single line of JSON (no newline can break the framing)."""
    lines = []
    if isinstance(event.get("id"), int):
        lines.append(f"id: {event['id']}")
    lines.append(f"event: {event_type or event.get('type') or 'message'}")
    lines.append("data: " + json.dumps(event, ensure_ascii=False, separators=(",", ":")))
    return ("\n".join(lines) + "\n\n").encode()


def staff_shape(event: Event) -> Event:
    """What a staff stream sends: the event without its audience."""
    return {key: event[key] for key in ("id", "type", "payload", "at") if key in event}


# Payload keys that may carry what a citizen or an agent typed (a message, a chat preview, a
# sender's name): masked for a user without view_sensitive_data (6.5.23.10).
MASKED_PAYLOAD_KEYS = frozenset({"text", "sender_name"})


def masked_staff_shape(masker: Masker) -> Shape:
    """`staff_shape`, with the typed text of each payload through the user's masker."""

    def shape(event: Event) -> Event:
        shaped = staff_shape(event)
        payload = shaped.get("payload")
        if masker.enabled and isinstance(payload, dict):
            shaped["payload"] = {
                key: masker.mask(value) if key in MASKED_PAYLOAD_KEYS else value
                for key, value in payload.items()
            }
        return shaped

    return shape


def parse_last_event_id(value: str | None) -> int | None:
    if not value:
        return None
    try:
        number = int(value.strip())
    except ValueError:
        return None
    return number if number >= 0 else None


async def _replay(client: aioredis.Redis, schema_name: str) -> tuple[list[Event], int]:
    """The events still kept for `schema_name`, oldest first, and the last id handed out."""
    channel = live_channel(schema_name)
    async with client.pipeline(transaction=True) as pipe:
        pipe.lrange(f"{REPLAY_PREFIX}{channel}", 0, -1)
        pipe.get(f"{SEQUENCE_PREFIX}{channel}")
        raw_events, sequence = await pipe.execute()
    events = []
    for raw in raw_events:
        try:
            event = json.loads(raw)
        except (TypeError, ValueError):
            continue
        if isinstance(event, dict) and isinstance(event.get("id"), int):
            events.append(event)
    return events, int(sequence or 0)


async def event_stream(
    *,
    schema_name: str,
    accept: Accept,
    shape: Shape = staff_shape,
    last_event_id: int | None = None,
    hub: LiveHub | None = None,
) -> AsyncIterator[bytes]:
    """The SSE byte stream of one connection (see the module docstring)."""
    hub = hub or live_hub()
    subscription = await hub.subscribe(live_channel(schema_name))
    loop = asyncio.get_running_loop()
    deadline = loop.time() + max_stream_seconds()
    heartbeat = heartbeat_seconds()
    try:
        # Subscribed before the replay is read: nothing published in between is missed, and
        # what both deliver is sent once (ids only grow).
        yield f"retry: {RETRY_MILLISECONDS}\n: connected\n\n".encode()
        sent_up_to = 0
        if last_event_id is not None:
            backlog, sequence = await _replay(hub.client, schema_name)
            oldest = backlog[0]["id"] if backlog else sequence + 1
            if last_event_id > sequence or last_event_id < oldest - 1:
                # Events were lost (the list is short, or Redis restarted): the page reloads.
                yield sse_frame({"reason": "gap"}, event_type="reset")
            sent_up_to = last_event_id if last_event_id <= sequence else 0
            for kept in backlog:
                if kept["id"] > sent_up_to:
                    if accept(kept):
                        yield sse_frame(shape(kept))
                    sent_up_to = kept["id"]
        while True:
            remaining = deadline - loop.time()
            if remaining <= 0:
                return
            try:
                async with asyncio.timeout(min(heartbeat, remaining)):
                    event = await subscription.queue.get()
            except TimeoutError:
                yield b": ping\n\n"
                continue
            if event is None:
                return
            event_id = event.get("id")
            if isinstance(event_id, int):
                if event_id <= sent_up_to:
                    continue
                sent_up_to = event_id
            if accept(event):
                yield sse_frame(shape(event))
    finally:
        await hub.unsubscribe(subscription)


def sse_response(stream: AsyncIterator[bytes]) -> StreamingHttpResponse:
    response = StreamingHttpResponse(stream, content_type="text/event-stream; charset=utf-8")
    response["Cache-Control"] = "no-cache, no-transform"
    # nginx would otherwise buffer the stream (platform/nginx).
    response["X-Accel-Buffering"] = "no"
    return response


def request_last_event_id(request: HttpRequest) -> int | None:
    """The id to resume after: EventSource's header, or `?last_event_id=` for a first connect
    of a page that already loaded its state up to that event."""
    return parse_last_event_id(
        request.headers.get("Last-Event-ID") or request.GET.get("last_event_id")
    )


def event_conversation_id(event: Event) -> int | None:
    """The conversation an event is about: `conversation_id` in its payload, or the `id` of a
    `conversation.*` event (desk.payloads.conversation_payload)."""
    payload = event.get("payload")
    if not isinstance(payload, dict):
        return None
    value = payload.get("conversation_id")
    if value is None and str(event.get("type", "")).startswith("conversation."):
        value = payload.get("id")
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _staff_accept(visibility: Visibility) -> Accept:
    """An agent receives the events of their teams' conversations (and of the ones they own or
    joined), a supervisor every staff event: desk.visibility decides, on every event."""

    def accept(event: Event) -> bool:
        audience = event.get("audience")
        return isinstance(audience, dict) and visibility.sees_event(
            audience, event_conversation_id(event)
        )

    return accept


@require_GET
async def live_events(request: HttpRequest) -> HttpResponseBase:
    """GET /ao-vivo/eventos: the signed-in user's live events (session auth, tenant host)."""
    user = await request.auser()
    if not user.is_authenticated:
        return JsonResponse(
            {"detail": _("Entre no sistema para receber atualizações.")}, status=401
        )
    visibility = await sync_to_async(visible_to)(user)
    if not visibility.any:
        return JsonResponse(
            {"detail": _("Seu papel não permite acompanhar atendimentos.")}, status=403
        )
    masker = await sync_to_async(masker_for)(user)
    schema_name = request.tenant.schema_name  # type: ignore[attr-defined]
    return sse_response(
        event_stream(
            schema_name=schema_name,
            accept=_staff_accept(visibility),
            shape=masked_staff_shape(masker),
            last_event_id=request_last_event_id(request),
        )
    )

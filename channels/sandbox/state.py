"""What the simulator remembers, in Redis (shared by every web process), with expiry.

- files a simulated citizen sent, for the platform to download (`media_*`);
- per-bot counters Telegram would keep (message ids);
- the webhook each simulated bot was pointed at (`setWebhook`);
- failures queued for the next calls (`failure_*`), like the simulators' `fail_next`;
- one transcript per (tenant, channel, citizen): what the citizen sent, what the platform sent
  back, the statuses posted; the simulator page shows it.
"""

from __future__ import annotations

import base64
import json
import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

import redis
from django.conf import settings
from django.utils import timezone

PREFIX = "sandbox:"
FILE_TTL_SECONDS = 24 * 3600
TRANSCRIPT_TTL_SECONDS = 7 * 24 * 3600
TRANSCRIPT_SIZE = 200

_client: redis.Redis | None = None


def _text(value: bytes | str) -> str:
    return value.decode() if isinstance(value, bytes) else value


def client() -> redis.Redis:
    global _client
    if _client is None:
        _client = redis.Redis.from_url(
            settings.REDIS_URL, socket_timeout=5, socket_connect_timeout=5
        )
    return _client


# --- files -------------------------------------------------------------------------------------


@dataclass(frozen=True)
class SandboxFile:
    file_id: str
    account_id: str
    content: bytes
    mime_type: str
    file_path: str = ""


def file_put(
    *,
    provider: str,
    account_id: str,
    content: bytes,
    mime_type: str,
    file_id: str | None = None,
    file_path: str = "",
) -> SandboxFile:
    stored = SandboxFile(
        file_id=file_id or str(10**15 + secrets.randbelow(9 * 10**15)),
        account_id=account_id,
        content=content,
        mime_type=mime_type,
        file_path=file_path,
    )
    data = json.dumps(
        {
            "account_id": account_id,
            "content": base64.b64encode(content).decode(),
            "mime_type": mime_type,
            "file_path": file_path,
        }
    )
    pipe = client().pipeline()
    pipe.set(f"{PREFIX}file:{provider}:{stored.file_id}", data, ex=FILE_TTL_SECONDS)
    if file_path:
        pipe.set(
            f"{PREFIX}path:{provider}:{account_id}:{file_path}", stored.file_id, ex=FILE_TTL_SECONDS
        )
    pipe.execute()
    return stored


def file_get(provider: str, file_id: str) -> SandboxFile | None:
    raw = client().get(f"{PREFIX}file:{provider}:{file_id}")
    if raw is None:
        return None
    data = json.loads(raw)
    return SandboxFile(
        file_id=file_id,
        account_id=str(data["account_id"]),
        content=base64.b64decode(data["content"]),
        mime_type=str(data["mime_type"]),
        file_path=str(data.get("file_path") or ""),
    )


def file_get_by_path(provider: str, account_id: str, file_path: str) -> SandboxFile | None:
    file_id = client().get(f"{PREFIX}path:{provider}:{account_id}:{file_path}")
    return file_get(provider, _text(file_id)) if file_id else None


# --- counters, webhooks, failures ---------------------------------------------------------------


def counter_next(name: str, start: int = 1000) -> int:
    key = f"{PREFIX}counter:{name}"
    pipe = client().pipeline()
    pipe.set(key, start, nx=True)
    pipe.incr(key)
    return int(pipe.execute()[1])


def webhook_set(provider: str, account_id: str, data: Mapping[str, Any]) -> None:
    client().set(f"{PREFIX}webhook:{provider}:{account_id}", json.dumps(dict(data)))


def webhook_get(provider: str, account_id: str) -> dict[str, Any] | None:
    raw = client().get(f"{PREFIX}webhook:{provider}:{account_id}")
    return json.loads(raw) if raw else None


def failure_queue(provider: str, account_id: str, mode: str) -> None:
    key = f"{PREFIX}failures:{provider}:{account_id}"
    pipe = client().pipeline()
    pipe.rpush(key, mode)
    pipe.expire(key, FILE_TTL_SECONDS)
    pipe.execute()


def failure_take(provider: str, account_id: str) -> str | None:
    mode = client().lpop(f"{PREFIX}failures:{provider}:{account_id}")
    return _text(mode) if isinstance(mode, bytes | str) else None


def failures_pending(provider: str, account_id: str) -> list[str]:
    return [
        _text(item) for item in client().lrange(f"{PREFIX}failures:{provider}:{account_id}", 0, -1)
    ]


# --- transcripts -------------------------------------------------------------------------------


def _transcript_key(schema_name: str, channel_id: int, citizen_id: str) -> str:
    return f"{PREFIX}transcript:{schema_name}:{channel_id}:{citizen_id}"


def transcript_append(
    schema_name: str, channel_id: int, citizen_id: str, entry: Mapping[str, Any]
) -> None:
    key = _transcript_key(schema_name, channel_id, citizen_id)
    item = {"at": timezone.now().isoformat(), **entry}
    pipe = client().pipeline()
    pipe.rpush(key, json.dumps(item, ensure_ascii=False))
    pipe.ltrim(key, -TRANSCRIPT_SIZE, -1)
    pipe.expire(key, TRANSCRIPT_TTL_SECONDS)
    pipe.execute()


def transcript_get(schema_name: str, channel_id: int, citizen_id: str) -> list[dict[str, Any]]:
    raw = client().lrange(_transcript_key(schema_name, channel_id, citizen_id), 0, -1)
    return [json.loads(item) for item in raw]


def transcript_clear(schema_name: str, channel_id: int, citizen_id: str) -> None:
    client().delete(_transcript_key(schema_name, channel_id, citizen_id))

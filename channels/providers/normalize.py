"""Small conversions every adapter needs: header lookup, timestamps, phone numbers, JSON."""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import phonenumbers

from channels.providers.errors import MalformedPayload


def header_value(headers: Mapping[str, str], name: str) -> str | None:
    """Case-insensitive header lookup; Django's `request.headers` is, a plain dict is not."""
    wanted = name.lower()
    for key, value in headers.items():
        if key.lower() == wanted:
            return value
    return None


def unix_to_utc(value: object) -> datetime:
    """Provider timestamps are Unix seconds, as int (Telegram) or decimal string (WhatsApp)."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise MalformedPayload(f"timestamp must be Unix seconds, got {value!r}")
    try:
        seconds = int(value)
    except ValueError as error:
        raise MalformedPayload(f"timestamp must be Unix seconds, got {value!r}") from error
    return datetime.fromtimestamp(seconds, tz=UTC)


def to_e164(number: str | None) -> str | None:
    """`+<digits>` when the number is plausible with its country code, else None.

    WhatsApp ids are digits with the country code and no `+`; contact cards carry free-form
    text such as "+1 (415) 555-0829". Both parse with an explicit leading `+`.
    """
    if not number:
        return None
    candidate = number.strip()
    if not candidate.startswith("+"):
        candidate = "+" + candidate
    try:
        parsed = phonenumbers.parse(candidate, None)
    except phonenumbers.NumberParseException:
        return None
    if not phonenumbers.is_possible_number(parsed):
        return None
    return phonenumbers.format_number(parsed, phonenumbers.PhoneNumberFormat.E164)


def load_json_object(body: bytes) -> dict[str, Any]:
    """Decode a webhook body that must be a JSON object."""
    try:
        decoded = json.loads(body)
    except (UnicodeDecodeError, json.JSONDecodeError) as error:
        raise MalformedPayload(f"body is not valid JSON: {error}") from error
    if not isinstance(decoded, dict):
        raise MalformedPayload("body must be a JSON object")
    return decoded


def canonical_json(value: object) -> bytes:
    """Stable serialization (sorted keys, no spaces) used for content hashes."""
    return json.dumps(value, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode()


def optional_str(value: object) -> str | None:
    """Text for ids that may arrive as numbers; None stays None."""
    if value is None:
        return None
    return str(value)


def sub_object(container: Mapping[str, Any] | None, key: str) -> dict[str, Any]:
    """`container[key]` when it is an object, else an empty one (for optional sub-objects)."""
    value = container.get(key) if container else None
    return value if isinstance(value, dict) else {}

"""Signed visitor tokens for the WebChat widget.

A visitor never logs in; the server hands the widget a token that binds a visitor id to one
channel for a limited time, and every later request carries it. Format (all parts base64url,
no padding):

    v1.<payload>.<mac>
    payload = JSON {"vid": visitor id, "ck": channel key, "iat": issued-at, "exp": expires-at}
    mac     = HMAC-SHA256(signing key, "v1." + payload)

The MAC covers the encoded payload, so visitor id, channel key, issue and expiry times are all
tamper-proof. It is checked (in constant time) before the payload is even decoded.
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import hmac
import json
import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from channels.providers.errors import InvalidSignature, TokenExpired

VERSION = "v1"
DEFAULT_TTL = timedelta(days=30)
# A token minted by another server whose clock runs slightly ahead is still accepted.
MAX_CLOCK_SKEW = timedelta(minutes=5)


@dataclass(frozen=True)
class VisitorClaims:
    visitor_id: str
    channel_key: str
    issued_at: datetime
    expires_at: datetime


def new_visitor_id() -> str:
    return "v_" + secrets.token_urlsafe(16)


def _b64encode(raw: bytes) -> str:
    return base64.urlsafe_b64encode(raw).rstrip(b"=").decode()


def _b64decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def _mac(signing_key: str, signed_part: str) -> str:
    return _b64encode(hmac.new(signing_key.encode(), signed_part.encode(), hashlib.sha256).digest())


def issue_visitor_token(
    *,
    signing_key: str,
    channel_key: str,
    visitor_id: str,
    issued_at: datetime | None = None,
    ttl: timedelta = DEFAULT_TTL,
) -> str:
    if not signing_key:
        raise ValueError("a signing key is required")
    issued = issued_at or datetime.now(UTC)
    if issued.tzinfo is None:
        raise ValueError("issued_at must be timezone-aware")
    claims = {
        "vid": visitor_id,
        "ck": channel_key,
        "iat": int(issued.timestamp()),
        "exp": int((issued + ttl).timestamp()),
    }
    payload = _b64encode(json.dumps(claims, separators=(",", ":"), sort_keys=True).encode())
    signed_part = f"{VERSION}.{payload}"
    return f"{signed_part}.{_mac(signing_key, signed_part)}"


def verify_visitor_token(
    token: str,
    *,
    signing_key: str,
    channel_key: str | None = None,
    now: datetime | None = None,
) -> VisitorClaims:
    """The claims of a genuine, unexpired token for `channel_key`; `InvalidSignature` otherwise
    (`TokenExpired`, a subclass, when only the expiry failed)."""
    if not signing_key:
        raise InvalidSignature("no signing key configured for this channel")
    parts = token.split(".")
    if len(parts) != 3 or parts[0] != VERSION:
        raise InvalidSignature("not a visitor token")
    signed_part = f"{parts[0]}.{parts[1]}"
    if not hmac.compare_digest(_mac(signing_key, signed_part).encode(), parts[2].encode()):
        raise InvalidSignature("visitor token signature does not match")
    try:
        claims = json.loads(_b64decode(parts[1]))
        visitor_id = str(claims["vid"])
        token_channel = str(claims["ck"])
        issued_at = datetime.fromtimestamp(int(claims["iat"]), tz=UTC)
        expires_at = datetime.fromtimestamp(int(claims["exp"]), tz=UTC)
    except (binascii.Error, ValueError, KeyError, TypeError) as error:
        # Only a holder of the signing key could have produced this; still, refuse it.
        raise InvalidSignature("visitor token payload is unreadable") from error
    if channel_key is not None and not hmac.compare_digest(
        token_channel.encode(), channel_key.encode()
    ):
        raise InvalidSignature("visitor token belongs to another channel")
    current = now or datetime.now(UTC)
    if issued_at > current + MAX_CLOCK_SKEW:
        raise InvalidSignature("visitor token is issued in the future")
    if current >= expires_at:
        raise TokenExpired("visitor token has expired")
    return VisitorClaims(
        visitor_id=visitor_id, channel_key=token_channel, issued_at=issued_at, expires_at=expires_at
    )

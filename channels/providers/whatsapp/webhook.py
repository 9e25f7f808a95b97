"""Webhook authenticity for the WhatsApp Cloud API.

Meta signs every POST with `X-Hub-Signature-256: sha256=<hex HMAC-SHA256 of the raw body, keyed
with the app secret>`. The HMAC must be computed over the bytes as received: re-serializing the
JSON first would change them and break every signature.
"""

from __future__ import annotations

import hashlib
import hmac
from collections.abc import Mapping

from channels.providers.errors import InvalidSignature, MalformedPayload
from channels.providers.normalize import header_value

SIGNATURE_HEADER = "X-Hub-Signature-256"
_PREFIX = "sha256="


def sign_body(body: bytes, app_secret: str) -> str:
    """The header value Meta would send for `body`."""
    digest = hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()
    return _PREFIX + digest


def verify_signature(headers: Mapping[str, str], body: bytes, app_secret: str) -> None:
    if not app_secret:
        # Fail closed: a channel without its app secret configured cannot accept anything.
        raise InvalidSignature("no app secret configured for this channel")
    received = header_value(headers, SIGNATURE_HEADER)
    if not received:
        raise InvalidSignature(f"missing {SIGNATURE_HEADER} header")
    received = received.strip()
    if not received.lower().startswith(_PREFIX):
        raise InvalidSignature(f"{SIGNATURE_HEADER} must start with {_PREFIX}")
    expected = sign_body(body, app_secret)
    if not hmac.compare_digest(
        expected.encode(), (_PREFIX + received[len(_PREFIX) :].lower()).encode()
    ):
        raise InvalidSignature("signature does not match the body")


def verify_subscription(params: Mapping[str, str], verify_token: str) -> str:
    """Answer Meta's GET handshake: return `hub.challenge` to be echoed with status 200.

    Meta calls the callback URL with `hub.mode=subscribe`, the `hub.verify_token` configured in
    the app dashboard and a random `hub.challenge`.
    """
    if params.get("hub.mode") != "subscribe":
        raise InvalidSignature("hub.mode must be 'subscribe'")
    received = params.get("hub.verify_token") or ""
    if not verify_token or not hmac.compare_digest(received.encode(), verify_token.encode()):
        raise InvalidSignature("hub.verify_token does not match")
    challenge = params.get("hub.challenge")
    if not challenge:
        raise MalformedPayload("hub.challenge is missing")
    return challenge

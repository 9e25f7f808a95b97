"""A push service on 127.0.0.1 that behaves like the real ones for what the server relies on
(RFC 8030 §5): it checks the VAPID authorization (RFC 8292: an ES256 JWT whose `aud` is the
service's origin, signed by the key in `k`), decrypts the `aes128gcm` body (RFC 8291) with the
browser's private key, which the test holds, and answers 201, or 410 for a subscription it
was told is gone.

`FakeBrowser` is the browser's side: its ECDH key pair and auth secret, and the subscription
JSON that `PushSubscription.toJSON()` would give."""

from __future__ import annotations

import base64
import json
import secrets
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import http_ece
from cryptography.exceptions import InvalidSignature, InvalidTag
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.hazmat.primitives.asymmetric.utils import encode_dss_signature


def b64url(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def unb64url(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


@dataclass
class FakeBrowser:
    endpoint: str
    private_key: ec.EllipticCurvePrivateKey = field(
        default_factory=lambda: ec.generate_private_key(ec.SECP256R1())
    )
    auth: bytes = field(default_factory=lambda: secrets.token_bytes(16))

    @property
    def p256dh(self) -> str:
        return b64url(
            self.private_key.public_key().public_bytes(
                serialization.Encoding.X962, serialization.PublicFormat.UncompressedPoint
            )
        )

    def subscription_json(self) -> dict[str, Any]:
        return {
            "endpoint": self.endpoint,
            "expirationTime": None,
            "keys": {"p256dh": self.p256dh, "auth": b64url(self.auth)},
        }


@dataclass
class Delivery:
    path: str
    payload: dict[str, Any]
    headers: dict[str, str]
    claims: dict[str, Any]
    vapid_public_key: str


class VapidInvalid(Exception):
    pass


def vapid_verify(authorization: str, audience: str) -> tuple[dict[str, Any], str]:
    """Checks `vapid t=<jwt>, k=<key>` (RFC 8292 §3); returns the claims and the key."""
    scheme, _, params = authorization.partition(" ")
    if scheme.lower() != "vapid":
        raise VapidInvalid(f"scheme {scheme!r}")
    values = dict(part.strip().split("=", 1) for part in params.split(",") if "=" in part.strip())
    token, key_text = values.get("t", ""), values.get("k", "")
    header_part, claims_part, signature_part = token.split(".")
    header = json.loads(unb64url(header_part))
    if header.get("alg") != "ES256":
        raise VapidInvalid(f"alg {header.get('alg')!r}")
    public_key = ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), unb64url(key_text))
    signature = unb64url(signature_part)
    if len(signature) != 64:
        raise VapidInvalid("signature length")
    der = encode_dss_signature(
        int.from_bytes(signature[:32], "big"), int.from_bytes(signature[32:], "big")
    )
    try:
        public_key.verify(der, f"{header_part}.{claims_part}".encode(), ec.ECDSA(hashes.SHA256()))
    except InvalidSignature as error:
        raise VapidInvalid("bad signature") from error
    claims = json.loads(unb64url(claims_part))
    if claims.get("aud") != audience:
        raise VapidInvalid(f"aud {claims.get('aud')!r}")
    now = time.time()
    if not now < int(claims.get("exp", 0)) <= now + 24 * 3600:
        raise VapidInvalid("exp")
    if not str(claims.get("sub", "")).startswith(("mailto:", "https:")):
        raise VapidInvalid("sub")
    return claims, key_text


class FakePushService:
    def __init__(self) -> None:
        self.browsers: dict[str, FakeBrowser] = {}
        self.gone: set[str] = set()
        self.deliveries: list[Delivery] = []
        self.refusals: list[str] = []
        self._server = ThreadingHTTPServer(("127.0.0.1", 0), self._handler())
        self._thread = threading.Thread(target=self._server.serve_forever, daemon=True)

    @property
    def origin(self) -> str:
        return f"http://127.0.0.1:{self._server.server_address[1]}"

    def browser(self) -> FakeBrowser:
        path = f"/push/{secrets.token_urlsafe(12)}"
        browser = FakeBrowser(endpoint=self.origin + path)
        self.browsers[path] = browser
        return browser

    def forget(self, browser: FakeBrowser) -> None:
        """The browser unsubscribed (or was uninstalled): the service now answers 410."""
        self.gone.add(browser.endpoint.removeprefix(self.origin))

    def __enter__(self) -> FakePushService:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._server.shutdown()
        self._server.server_close()

    def _handler(self) -> type[BaseHTTPRequestHandler]:
        service = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, format: str, *args: Any) -> None:
                return

            def _answer(self, status: int) -> None:
                self.send_response(status)
                self.send_header("Content-Length", "0")
                self.end_headers()

            def do_POST(self) -> None:
                body = self.rfile.read(int(self.headers.get("Content-Length", "0")))
                if self.path in service.gone:
                    self._answer(410)
                    return
                browser = service.browsers.get(self.path)
                if browser is None:
                    self._answer(404)
                    return
                try:
                    claims, key = vapid_verify(
                        self.headers.get("Authorization", ""), service.origin
                    )
                    if self.headers.get("Content-Encoding") != "aes128gcm":
                        raise VapidInvalid("content encoding")
                    if not self.headers.get("TTL", "").isdigit():
                        raise VapidInvalid("TTL")
                    plain = http_ece.decrypt(
                        body,
                        private_key=browser.private_key,
                        auth_secret=browser.auth,
                        version="aes128gcm",
                    )
                except (
                    VapidInvalid,
                    ValueError,
                    KeyError,
                    http_ece.ECEException,
                    InvalidTag,
                ) as error:
                    service.refusals.append(str(error))
                    self._answer(403 if isinstance(error, VapidInvalid) else 400)
                    return
                service.deliveries.append(
                    Delivery(
                        path=self.path,
                        payload=json.loads(plain),
                        headers={key.lower(): value for key, value in self.headers.items()},
                        claims=claims,
                        vapid_public_key=key,
                    )
                )
                self._answer(201)

        return Handler


def deliveries_to(service: FakePushService, browser: FakeBrowser) -> Iterator[Delivery]:
    path = browser.endpoint.removeprefix(service.origin)
    return (delivery for delivery in service.deliveries if delivery.path == path)

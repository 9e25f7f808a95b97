"""A local stand-in for Google's reCAPTCHA siteverify endpoint, speaking its protocol:
POST form fields `secret`, `response` and optional `remoteip`; JSON answer with `success` and,
on failure, `error-codes` (https://developers.google.com/recaptcha/docs/verify)."""

from __future__ import annotations

import json
import secrets
import threading
from dataclasses import dataclass, field
from datetime import UTC, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import parse_qs


@dataclass
class SiteverifyState:
    secret: str
    issued: set[str] = field(default_factory=set)
    used: set[str] = field(default_factory=set)
    requests: list[dict[str, str]] = field(default_factory=list)
    lock: threading.Lock = field(default_factory=threading.Lock)

    def issue(self) -> str:
        """A token as the widget would hand the browser after a solved challenge."""
        token = "03A" + secrets.token_urlsafe(24)
        with self.lock:
            self.issued.add(token)
        return token

    def answer(self, form: dict[str, str]) -> dict[str, object]:
        with self.lock:
            self.requests.append(form)
            secret, response = form.get("secret", ""), form.get("response", "")
            errors = []
            if not secret:
                errors.append("missing-input-secret")
            elif secret != self.secret:
                errors.append("invalid-input-secret")
            if not response:
                errors.append("missing-input-response")
            elif response in self.used:
                errors.append("timeout-or-duplicate")
            elif response not in self.issued:
                errors.append("invalid-input-response")
            if errors:
                return {"success": False, "error-codes": errors}
            self.issued.discard(response)
            self.used.add(response)
            return {
                "success": True,
                "challenge_ts": datetime.now(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
                "hostname": "alfa.localhost",
            }


def make_server(state: SiteverifyState) -> ThreadingHTTPServer:
    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:
            length = int(self.headers.get("Content-Length") or 0)
            body = self.rfile.read(length).decode()
            form = {key: values[0] for key, values in parse_qs(body).items()}
            payload = json.dumps(state.answer(form)).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json; charset=utf-8")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, format: str, *args: object) -> None:
            return

    return ThreadingHTTPServer(("127.0.0.1", 0), Handler)

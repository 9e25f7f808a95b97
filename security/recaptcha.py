"""Server-side verification of a reCAPTCHA answer (6.5.23.6).

The browser's widget yields a one-time token; only Google's siteverify endpoint says whether it
is valid, so the sign-in posts it there with the tenant's secret. The endpoint's address is a
setting (`RECAPTCHA_VERIFY_URL`), which tests point at a local server that answers the same way.
Any failure to reach the endpoint counts as "not verified": the sign-in fails closed.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from functools import cache

import httpx
from django.conf import settings

logger = logging.getLogger(__name__)

RESPONSE_FIELD = "g-recaptcha-response"
TIMEOUT_SECONDS = 5.0


@dataclass(frozen=True)
class CaptchaResult:
    success: bool
    error_codes: tuple[str, ...] = ()


@cache
def _client() -> httpx.Client:
    # One client per process: building its TLS context costs more than the call itself.
    return httpx.Client(timeout=TIMEOUT_SECONDS, follow_redirects=False)


def captcha_verify(*, secret: str, response: str, remote_ip: str | None = None) -> CaptchaResult:
    if not response:
        return CaptchaResult(success=False, error_codes=("missing-input-response",))
    data = {"secret": secret, "response": response}
    if remote_ip:
        data["remoteip"] = remote_ip
    try:
        answer = _client().post(settings.RECAPTCHA_VERIFY_URL, data=data)
        answer.raise_for_status()
        body = answer.json()
    except (httpx.HTTPError, ValueError) as error:
        logger.warning("recaptcha siteverify unreachable or invalid: %s", error)
        return CaptchaResult(success=False, error_codes=("verification-unavailable",))
    return CaptchaResult(
        success=body.get("success") is True,
        error_codes=tuple(str(code) for code in body.get("error-codes", []) or []),
    )

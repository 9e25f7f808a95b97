"""Map Graph API error bodies to our typed errors.

Graph answers a refused call with `{"error": {"message", "type", "code", "error_subcode",
"error_data": {"messaging_product", "details"}, "fbtrace_id"}}`. Meta asks integrators to branch
on `code` (and `error_data.details`), never on the message text, so the tables below are keyed
by code. Source: WhatsApp Cloud API error codes page and the Graph API error-handling guide
(URLs in fixtures/SOURCES.md).
"""

from __future__ import annotations

from typing import Any

import httpx

from channels.providers.base import Provider
from channels.providers.errors import (
    AuthenticationFailed,
    ProviderError,
    RateLimited,
    RecipientUnavailable,
    SessionWindowClosed,
)
from channels.providers.http import decode_json
from channels.providers.normalize import sub_object

PROVIDER = Provider.WHATSAPP.value

# 4 app call limit, 80007 WABA rate limit, 130429 Cloud API throughput, 131048 spam rate limit,
# 131056 (business, consumer) pair rate limit.
RATE_LIMIT_CODES = frozenset({4, 80007, 130429, 131048, 131056})
# 0 AuthException, 190 access token expired/invalid, 10 and 200-299 permission errors.
AUTH_CODES = frozenset({0, 10, 190, *range(200, 300)})
SESSION_WINDOW_CODES = frozenset({131047})
# 131026 message undeliverable, 131030 recipient not in the test allow-list, 131021 recipient
# is the sender.
RECIPIENT_CODES = frozenset({131021, 131026, 131030})
# 1 API unknown, 2 API service, 131000 something went wrong, 131016 service unavailable,
# 133004 server temporarily unavailable: Meta says to retry these.
TRANSIENT_CODES = frozenset({1, 2, 131000, 131016, 133004})


def _retry_after(response: httpx.Response) -> float | None:
    header = response.headers.get("Retry-After")
    if header is None:
        return None
    try:
        return max(0.0, float(header))
    except ValueError:
        return None


def error_from_response(response: httpx.Response) -> ProviderError:
    """The typed error for a non-2xx Graph response."""
    body = decode_json(response)
    error: dict[str, Any] = body.get("error", {}) if isinstance(body, dict) else {}
    if not isinstance(error, dict) or "code" not in error:
        return ProviderError(
            provider=PROVIDER,
            code=f"http_{response.status_code}",
            title=response.reason_phrase or "unexpected response",
            detail=response.text[:500],
            retryable=response.status_code >= 500 or response.status_code == 429,
            http_status=response.status_code,
            raw=body,
        )
    try:
        code = int(error["code"])
    except (TypeError, ValueError):
        code = -1
    error_data = sub_object(error, "error_data")
    kwargs: dict[str, Any] = {
        "provider": PROVIDER,
        "code": str(error["code"]),
        "title": str(error.get("message") or ""),
        "detail": str(error_data.get("details") or ""),
        "http_status": response.status_code,
        "raw": body,
    }
    if code in RATE_LIMIT_CODES:
        return RateLimited(retry_after=_retry_after(response), **kwargs)
    if code in SESSION_WINDOW_CODES:
        return SessionWindowClosed(**kwargs)
    if code in AUTH_CODES:
        return AuthenticationFailed(**kwargs)
    if code in RECIPIENT_CODES:
        return RecipientUnavailable(**kwargs)
    retryable = code in TRANSIENT_CODES or response.status_code >= 500
    return ProviderError(retryable=retryable, **kwargs)

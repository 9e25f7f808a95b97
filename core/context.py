"""Request-scoped context (tenant schema, request id) for logs, carried in contextvars.

Context variables follow a request across `await` points and threads started with
`contextvars.copy_context`, so every log line of a request names its tenant and request id.
"""

from __future__ import annotations

import contextvars

tenant_var: contextvars.ContextVar[str] = contextvars.ContextVar("tenant", default="-")
request_id_var: contextvars.ContextVar[str] = contextvars.ContextVar("request_id", default="-")

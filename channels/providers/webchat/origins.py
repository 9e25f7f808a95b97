"""Origin allow-list for the WebChat widget.

Browsers send `Origin: scheme://host[:port]` on cross-site requests. A channel accepts only the
exact origins its admin listed: same scheme, same host, same port (an omitted port is the
scheme's default). No wildcards: `https://prefeitura.gov.br` does not admit
`https://evil.prefeitura.gov.br.example.com`, nor `http://prefeitura.gov.br`.
"""

from __future__ import annotations

from collections.abc import Iterable
from urllib.parse import urlsplit

_DEFAULT_PORTS = {"http": 80, "https": 443}


def normalize_origin(origin: str | None) -> str | None:
    """`scheme://host[:port]` in canonical form, or None if `origin` is not an origin.

    Scheme and host are case-insensitive; a default port is dropped; the serialization `null`
    (sandboxed frames, `file://` pages) and anything with a path, query, fragment or user info
    is refused. A single trailing slash is tolerated, since admins paste URLs.
    """
    if not origin:
        return None
    text = origin.strip()
    if text.endswith("/"):
        text = text[:-1]
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        return None
    scheme = parts.scheme.lower()
    host = parts.hostname
    if scheme not in _DEFAULT_PORTS or not host:
        return None
    if parts.path or parts.query or parts.fragment or parts.username or parts.password:
        return None
    if ":" in host:  # IPv6 literal
        host = f"[{host}]"
    if port is None or port == _DEFAULT_PORTS[scheme]:
        return f"{scheme}://{host}"
    return f"{scheme}://{host}:{port}"


def origin_allowed(origin: str | None, allowed_origins: Iterable[str]) -> bool:
    candidate = normalize_origin(origin)
    if candidate is None:
        return False
    return any(candidate == normalize_origin(allowed) for allowed in allowed_origins)

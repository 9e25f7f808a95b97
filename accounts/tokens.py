"""Secrets handed to people once (invitation links, API tokens); only their hashes are kept."""

from __future__ import annotations

import hashlib
import secrets


def new_secret(nbytes: int = 32) -> str:
    return secrets.token_urlsafe(nbytes)


def secret_hash(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_api_token() -> tuple[str, str, str]:
    """Returns (token shown once, prefix kept in clear to identify it, hash)."""
    prefix = secrets.token_hex(4)
    token = f"tk_{prefix}_{new_secret(30)}"
    return token, prefix, secret_hash(token)

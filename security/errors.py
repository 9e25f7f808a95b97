from __future__ import annotations


class SecurityError(Exception):
    """A security setting or action refused, with a message for the person (pt-BR)."""

    def __init__(self, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

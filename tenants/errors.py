from __future__ import annotations


class ProvisioningError(Exception):
    """A tenant could not be provisioned; nothing was left behind. `field` names the bad input."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class TemplateSchemaStale(ProvisioningError):
    """The template schema misses migrations: cloning it would create a broken tenant."""

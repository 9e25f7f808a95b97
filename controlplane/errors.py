"""Errors the control plane's services raise; each carries a pt-BR message for the person."""

from __future__ import annotations


class ControlPlaneError(Exception):
    """A request was refused; nothing changed. `field` names the bad input, when there is one."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class IncidentError(ControlPlaneError):
    pass


class MaintenanceError(ControlPlaneError):
    pass


class MaintenanceNoticeTooShort(MaintenanceError):
    """Planned maintenance announced with less than 2 business days' notice (REQ 6.2.5)."""


class DowntimeError(ControlPlaneError):
    pass


class SubscriptionError(ControlPlaneError):
    pass


class LifecycleError(ControlPlaneError):
    pass


class BackupError(ControlPlaneError):
    pass


class RestoreVerificationError(BackupError):
    """The restored schema does not match the backup's manifest (row counts or checksums)."""

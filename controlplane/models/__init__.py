"""Control-plane tables, all in the public schema."""

from controlplane.models.backups import Backup, BackupStatus
from controlplane.models.lifecycle import ContractClosure
from controlplane.models.probes import ProbeOutcomeKind, ProbeResult, ProbeState
from controlplane.models.status import (
    Downtime,
    DowntimeExclusion,
    Incident,
    IncidentImpact,
    IncidentStatus,
    IncidentUpdate,
    Maintenance,
    MaintenanceStatus,
)
from controlplane.models.subscriptions import StatusSubscription, SubscriptionKind

__all__ = [
    "Backup",
    "BackupStatus",
    "ContractClosure",
    "Downtime",
    "DowntimeExclusion",
    "Incident",
    "IncidentImpact",
    "IncidentStatus",
    "IncidentUpdate",
    "Maintenance",
    "MaintenanceStatus",
    "ProbeOutcomeKind",
    "ProbeResult",
    "ProbeState",
    "StatusSubscription",
    "SubscriptionKind",
]

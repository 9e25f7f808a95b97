"""The export sources analytics owns. Other apps register theirs in their own `ready()`."""

from __future__ import annotations

from typing import Any

from django.db.models import QuerySet

from analytics.export import register_source
from analytics.tables import AUDIT_EVENTS, AuditEvent
from security.models import AuditEntry


def _audit_entries() -> QuerySet[AuditEntry]:
    # The description, the device and the chain hashes are not exported: the report needs who,
    # what and when, and object descriptions may hold citizens' personal data.
    return AuditEntry.objects.defer("object_repr", "user_agent", "previous_hash", "entry_hash")


def _changed_fields(before: Any, after: Any) -> list[str]:
    old = before if isinstance(before, dict) else {}
    new = after if isinstance(after, dict) else {}
    return sorted(key for key in set(old) | set(new) if old.get(key) != new.get(key))


def audit_entry_serialize(entry: AuditEntry) -> list[AuditEvent]:
    return [
        AuditEvent(
            entry_id=entry.pk,
            occurred_at=entry.occurred_at,
            actor_id=entry.actor_id or 0,
            actor_label=entry.actor_label,
            via=entry.via,
            action=entry.action,
            object_type=entry.object_type,
            object_id=entry.object_id,
            changed_fields=_changed_fields(entry.before, entry.after),
        )
    ]


AUDIT_SOURCE = register_source(
    "security.audit",
    queryset=_audit_entries,
    serialize=audit_entry_serialize,
    table=AUDIT_EVENTS,
    time_field="occurred_at",
)

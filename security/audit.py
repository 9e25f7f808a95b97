"""The tamper-evident audit trail: append and verify.

Appends are serialized per schema with a transaction-scoped advisory lock, so two concurrent
writers cannot both chain onto the same previous entry.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from django.core.serializers.json import DjangoJSONEncoder
from django.db import connection, models, transaction

from security.actors import Actor
from security.models import AuditEntry

GENESIS = "0" * 64
# Arbitrary constant identifying "the audit chain" among advisory locks of this database.
_AUDIT_LOCK_KEY = 0x4A55_D17


def _canonical(entry: AuditEntry) -> bytes:
    content = {
        "occurred_at": entry.occurred_at.isoformat(),
        "actor_id": entry.actor_id,
        "actor_label": entry.actor_label,
        "via": entry.via,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "object_repr": entry.object_repr,
        "before": entry.before,
        "after": entry.after,
        "ip": entry.ip,
        "user_agent": entry.user_agent,
        "request_id": entry.request_id,
        "token_prefix": entry.token_prefix,
        "previous_hash": entry.previous_hash,
    }
    return json.dumps(content, sort_keys=True, cls=DjangoJSONEncoder, ensure_ascii=False).encode()


def _hash(entry: AuditEntry) -> str:
    return hashlib.sha256(_canonical(entry)).hexdigest()


def _jsonable(value: Any) -> Any:
    return json.loads(json.dumps(value, cls=DjangoJSONEncoder)) if value is not None else None


def audit_record(
    *,
    actor: Actor,
    action: str,
    target: models.Model | None = None,
    object_type: str = "",
    object_id: str = "",
    object_repr: str = "",
    before: dict[str, Any] | None = None,
    after: dict[str, Any] | None = None,
) -> AuditEntry:
    """Appends one entry to the current schema's audit chain, inside the caller's transaction."""
    if target is not None:
        object_type = object_type or target._meta.label_lower
        object_id = object_id or str(target.pk)
        object_repr = object_repr or str(target)[:200]
    with transaction.atomic():
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT pg_advisory_xact_lock(%s, hashtext(current_schema()))", [_AUDIT_LOCK_KEY]
            )
        last = AuditEntry.objects.order_by("-id").values_list("entry_hash", flat=True).first()
        entry = AuditEntry(
            actor_id=actor.user_id,
            actor_label=actor.label[:254],
            via=actor.via,
            action=action,
            object_type=object_type,
            object_id=object_id[:64],
            object_repr=object_repr[:200],
            before=_jsonable(before),
            after=_jsonable(after),
            ip=actor.ip,
            user_agent=actor.user_agent,
            request_id=actor.request_id,
            token_prefix=actor.token_prefix,
            previous_hash=last or GENESIS,
        )
        entry.entry_hash = _hash(entry)
        entry.save()
    return entry


@dataclass(frozen=True)
class ChainReport:
    checked: int
    broken_at: int | None  # id of the first entry that does not verify

    @property
    def ok(self) -> bool:
        return self.broken_at is None


def audit_chain_verify() -> ChainReport:
    """Recomputes every hash of the current schema's chain, in order."""
    previous = GENESIS
    checked = 0
    for entry in AuditEntry.objects.order_by("id").iterator(chunk_size=2000):
        if entry.previous_hash != previous or _hash(entry) != entry.entry_hash:
            return ChainReport(checked=checked, broken_at=entry.pk)
        previous = entry.entry_hash
        checked += 1
    return ChainReport(checked=checked, broken_at=None)

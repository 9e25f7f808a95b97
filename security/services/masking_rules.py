"""Tenant-defined patterns of information to hide (6.5.23.11)."""

from __future__ import annotations

from django.db import transaction
from django.utils.translation import gettext as _

from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.masking import validate_pattern
from security.models import MaskingRule


def _snapshot(rule: MaskingRule) -> dict[str, object]:
    return {
        "name": rule.name,
        "pattern": rule.pattern,
        "replacement": rule.replacement,
        "is_active": rule.is_active,
    }


def masking_rule_add(
    *, actor: Actor, name: str, pattern: str, replacement: str = "***"
) -> MaskingRule:
    name, pattern = (name or "").strip(), (pattern or "").strip()
    if not name:
        raise SecurityError(_("Dê um nome ao padrão."), field="name")
    if not pattern:
        raise SecurityError(_("Informe a expressão regular."), field="pattern")
    problem = validate_pattern(pattern)
    if problem:
        raise SecurityError(problem, field="pattern")
    if not replacement:
        raise SecurityError(_("Informe o texto que substitui o dado oculto."), field="replacement")
    with transaction.atomic():
        rule = MaskingRule.objects.create(
            name=name[:100], pattern=pattern[:300], replacement=replacement[:50]
        )
        audit_record(actor=actor, action="masking_rule.create", target=rule, after=_snapshot(rule))
    return rule


def masking_rule_remove(*, actor: Actor, rule: MaskingRule) -> None:
    with transaction.atomic():
        audit_record(actor=actor, action="masking_rule.delete", target=rule, before=_snapshot(rule))
        rule.delete()

"""The allow list and the block list of addresses (6.5.23.9)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.ip_access import ip_decide, normalize_network
from security.models import IpRule, IpRuleKind
from security.selectors import ip_rule_pairs


def _refuse_self_lockout(rules: list[tuple[str, str]], actor: Actor) -> None:
    # An admin who saves a list that excludes their own address would lose the screen that
    # fixes it; such a change is refused instead.
    if actor.ip and not ip_decide(actor.ip, rules).allowed:
        raise SecurityError(
            _(
                "Esta alteração bloquearia o seu próprio endereço (%(ip)s). Inclua-o na lista de "
                "liberação antes."
            )
            % {"ip": actor.ip},
            field="network",
        )


def ip_rule_add(*, actor: Actor, kind: str, network: str, description: str = "") -> IpRule:
    if kind not in IpRuleKind.values:
        raise SecurityError(_("Escolha a lista."), field="kind")
    try:
        normalized = normalize_network(network)
    except ValidationError as error:
        raise SecurityError(error.messages[0], field="network") from error
    with transaction.atomic():
        if IpRule.objects.filter(kind=kind, network=normalized).exists():
            raise SecurityError(_("Este endereço já está nesta lista."), field="network")
        _refuse_self_lockout([*ip_rule_pairs(), (kind, normalized)], actor)
        rule = IpRule.objects.create(
            kind=kind,
            network=normalized,
            description=(description or "").strip()[:200],
            created_by=actor.label,
        )
        audit_record(
            actor=actor,
            action="ip_rule.create",
            target=rule,
            after={"kind": kind, "network": normalized, "description": rule.description},
        )
    return rule


def ip_rule_remove(*, actor: Actor, rule: IpRule) -> None:
    with transaction.atomic():
        remaining = [
            (kind, network)
            for kind, network in ip_rule_pairs()
            if (kind, network) != (rule.kind, rule.network)
        ]
        _refuse_self_lockout(remaining, actor)
        before = {"kind": rule.kind, "network": rule.network, "description": rule.description}
        audit_record(actor=actor, action="ip_rule.delete", target=rule, before=before)
        rule.delete()

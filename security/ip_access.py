"""Matching a client address against the allow list and the block list (6.5.23.9)."""

from __future__ import annotations

import ipaddress
from collections.abc import Iterable
from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from security.models import IpRuleKind

Network = ipaddress.IPv4Network | ipaddress.IPv6Network


def normalize_network(value: str) -> str:
    """`10.0.0.7` → `10.0.0.7/32`; `10.0.0.0/8` stays; host bits are cleared (`10.1.2.3/8` →
    `10.0.0.0/8`), so one range has one spelling and duplicates are caught."""
    try:
        return str(ipaddress.ip_network((value or "").strip(), strict=False))
    except ValueError as error:
        raise ValidationError(
            _(
                "Endereço inválido: informe um IP (200.10.20.30) ou uma faixa CIDR (200.10.20.0/24)."
            ),
            code="network",
        ) from error


@dataclass(frozen=True)
class IpDecision:
    allowed: bool
    reason: str  # "" when allowed; "bloqueado" or "fora_da_lista"


def ip_decide(ip: str | None, rules: Iterable[tuple[str, str]]) -> IpDecision:
    """The block list always wins; when the allow list has entries, only they get in."""
    rules = list(rules)
    if not rules:
        return IpDecision(allowed=True, reason="")
    try:
        address = ipaddress.ip_address(ip or "")
    except ValueError:
        return IpDecision(allowed=False, reason="fora_da_lista")
    allow: list[Network] = []
    for kind, network in rules:
        parsed = ipaddress.ip_network(network, strict=False)
        if kind == IpRuleKind.BLOCK and address.version == parsed.version and address in parsed:
            return IpDecision(allowed=False, reason="bloqueado")
        if kind == IpRuleKind.ALLOW:
            allow.append(parsed)
    if allow and not any(address.version == net.version and address in net for net in allow):
        return IpDecision(allowed=False, reason="fora_da_lista")
    return IpDecision(allowed=True, reason="")

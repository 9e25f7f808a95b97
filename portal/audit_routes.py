"""Routes of the portal that need no audit record, with the reason (security/route_audit.py)."""

from __future__ import annotations

EXEMPT: dict[str, str] = {
    "tenant:portal_console:idle_logout": (
        "saída por inatividade: registrada no log de acessos (6.2.17), não é alteração de dados"
    ),
}

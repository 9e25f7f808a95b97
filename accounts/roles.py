"""Roles of a tenant's users, as Django groups with permissions (docs/adr/0002).

Capabilities are permissions on `accounts.User` (`accounts.<codename>`); later apps add their
own codenames to `ROLE_PERMISSIONS`. `roles_sync` makes the groups match this table.
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Role(models.TextChoices):
    ADMIN = "administrador", _("Administrador")
    SUPERVISOR = "supervisor", _("Supervisor")
    AGENT = "atendente", _("Atendente")
    AUDITOR = "auditor", _("Auditor")


# (codename, description) of the capabilities declared on accounts.User.Meta.permissions.
CAPABILITIES: list[tuple[str, str]] = [
    ("manage_users", "Gerenciar usuários e papéis"),
    ("view_users", "Ver usuários"),
    ("manage_settings", "Gerenciar configurações do órgão"),
    ("manage_api_tokens", "Gerenciar tokens de API"),
    ("supervise", "Supervisionar atendimentos"),
    ("serve", "Atender cidadãos"),
    ("view_reports", "Ver relatórios e consumo"),
    ("view_billing", "Ver consumo contratado, extratos mensais e seus downloads"),
    ("view_audit_log", "Ver logs de auditoria e acesso"),
    ("view_sensitive_data", "Ver dados pessoais sensíveis sem máscara"),
]

ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.ADMIN: {code for code, _label in CAPABILITIES},
    Role.SUPERVISOR: {"view_users", "supervise", "serve", "view_reports"},
    Role.AGENT: {"serve"},
    Role.AUDITOR: {"view_users", "view_reports", "view_audit_log", "view_billing"},
}

"""Models of the security app, one module per concern; import them from here."""

from security.models.access import (
    AccessEvent,
    AccessEventKind,
    BlockKind,
    LoginBlock,
    PasswordHistory,
)
from security.models.audit import AuditEntry
from security.models.masking import MaskingRule
from security.models.policy import IpRule, IpRuleKind, LockoutScope, LoginSchedule, SecurityPolicy

__all__ = [
    "AccessEvent",
    "AccessEventKind",
    "AuditEntry",
    "BlockKind",
    "IpRule",
    "IpRuleKind",
    "LockoutScope",
    "LoginBlock",
    "LoginSchedule",
    "MaskingRule",
    "PasswordHistory",
    "SecurityPolicy",
]

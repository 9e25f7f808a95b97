"""Billing errors. `message` is pt-BR and shown to the person as is; `field` names the bad input."""

from __future__ import annotations


class BillingError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class UsageRecordInvalid(BillingError, ValueError):
    """The pipeline passed a usage event that cannot be metered (programming error upstream)."""


class ContractInvalid(BillingError):
    pass


class AdjustmentInvalid(BillingError):
    pass


class PeriodClosedError(BillingError):
    """Someone tried to alter a closed billing period. Always logged (and audited when a person
    or token attempted it) before it is raised."""


class PeriodNotClosable(BillingError):
    pass


class StatementNotFound(BillingError):
    pass


class StripeReconciliationError(BillingError):
    """The Stripe invoice would not equal the statement to the cent; nothing was finalized."""


class StripeWebhookInvalid(BillingError):
    pass

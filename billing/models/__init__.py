from billing.models.adjustments import AdjustmentOperation, ManualAdjustment
from billing.models.contracts import Contract, InvoicingMode, OveragePolicy, PriceSchedule
from billing.models.ledger import SYSTEM_ORIGINS, Direction, Origin, UsageKind, UsageRecord
from billing.models.quota import QuotaAlert
from billing.models.rollups import RollupWatermark, UsageDaily, UsageMonthly
from billing.models.statements import Statement
from billing.models.storage import MediaType, StorageUsage
from billing.models.stripe import InvoiceStatus, StripeCustomer, StripeEvent, StripeInvoice

__all__ = [
    "SYSTEM_ORIGINS",
    "AdjustmentOperation",
    "Contract",
    "Direction",
    "InvoiceStatus",
    "InvoicingMode",
    "ManualAdjustment",
    "MediaType",
    "Origin",
    "OveragePolicy",
    "PriceSchedule",
    "QuotaAlert",
    "RollupWatermark",
    "Statement",
    "StorageUsage",
    "StripeCustomer",
    "StripeEvent",
    "StripeInvoice",
    "UsageDaily",
    "UsageKind",
    "UsageMonthly",
    "UsageRecord",
]

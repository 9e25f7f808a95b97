"""Billing routes exempt from the audit-record check (see security/route_audit.py).

Every state-changing billing route is covered by an `@audits_route` test in tests/billing/:
the operator's contract, price and adjustment screens, and the Stripe webhook (which audits the
invoice status it changes). The tenant's screens and the API are read-only (`require_GET`, GET
operations); a statement download is audited all the same (`billing.statement.download`).
"""

from __future__ import annotations

EXEMPT: dict[str, str] = {}

NOT_YET_COVERED: dict[str, str] = {}

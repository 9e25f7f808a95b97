"""Manual adjustments (credit or debit of messages or of an amount), recorded by an operator with
a justification. An adjustment goes into the tenant's next open period and is shown on that
statement as such; a closed period is never altered: an attempt is refused, logged and audited
(`closed_period_violation`). See `billing.models.adjustments`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal, InvalidOperation

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.errors import AdjustmentInvalid
from billing.models import AdjustmentOperation, ManualAdjustment, UsageKind
from billing.money import UNIT_PRICE_PLACES, line_amount, to_decimal
from billing.periods import local_date, period_add, period_end_day, period_label, period_of
from billing.services.closing import closed_period_violation
from billing.services.locks import lock_for_recording
from billing.services.usage import closed_through, unit_price_in_force
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

JUSTIFICATION_MIN_LENGTH = 10
_ATTEMPT = "adjustment.record"


@dataclass(frozen=True)
class AdjustmentRequest:
    """What the operator asked for. Messages: `kind` and `quantity` (valued at the unit price
    in force); or an amount: `amount` alone (R$, up to four places)."""

    operation: str
    justification: str
    kind: str = ""
    quantity: int = 0
    amount: Decimal | str | None = None


def adjustment_period_next(*, tenant_id: int, now: datetime | None = None) -> date:
    """The period a new adjustment goes into: the one after the tenant's last closed statement,
    or the current month when none is closed yet."""
    closed = closed_through(tenant_id)
    return period_add(closed, 1) if closed is not None else period_of(now or timezone.now())


def _is_closed(tenant_id: int, period: date) -> bool:
    closed = closed_through(tenant_id)
    return closed is not None and period <= closed


def _validate(request: AdjustmentRequest) -> tuple[str, int, Decimal | None]:
    if request.operation not in AdjustmentOperation.values:
        raise AdjustmentInvalid(_("Escolha crédito ou débito."), field="operation")
    if len(request.justification.strip()) < JUSTIFICATION_MIN_LENGTH:
        raise AdjustmentInvalid(
            _("Justifique o ajuste (ao menos %(count)d caracteres).")
            % {"count": JUSTIFICATION_MIN_LENGTH},
            field="justification",
        )
    quantity = request.quantity or 0
    if quantity < 0:
        raise AdjustmentInvalid(
            _("Informe a quantidade de mensagens sem sinal: crédito ou débito dá o sinal."),
            field="quantity",
        )
    if request.amount in (None, ""):
        amount = None
    else:
        try:
            amount = to_decimal(request.amount)
        except (InvalidOperation, TypeError) as error:
            raise AdjustmentInvalid(_("Valor inválido."), field="amount") from error
        if not amount.is_finite() or amount != amount.quantize(UNIT_PRICE_PLACES) or amount <= 0:
            raise AdjustmentInvalid(
                _("Informe um valor positivo com até 4 casas decimais."), field="amount"
            )
    if quantity and amount is not None:
        raise AdjustmentInvalid(
            _(
                "Informe mensagens ou valor, não os dois: mensagens são valoradas pelo preço "
                "unitário em vigor."
            ),
            field="amount",
        )
    if quantity:
        if request.kind not in UsageKind.values:
            raise AdjustmentInvalid(
                _("Escolha o tipo das mensagens (sessão ou modelo)."), field="kind"
            )
        return request.kind, quantity, None
    if amount is None:
        raise AdjustmentInvalid(
            _("Informe a quantidade de mensagens ou o valor do ajuste."), field="quantity"
        )
    return "", 0, amount.quantize(UNIT_PRICE_PLACES)


def adjustment_record(
    *,
    actor: Actor,
    tenant: Tenant,
    request: AdjustmentRequest,
    period: date | None = None,
    now: datetime | None = None,
) -> ManualAdjustment:
    """Records a manual adjustment in the tenant's next open period and audits it.

    `period` is the period the operator was shown as the next open one: when it has closed since,
    the adjustment is refused (a closed period is never altered) and the attempt logged and
    audited; when it is not the next open period, it is refused as invalid."""
    kind, quantity, amount = _validate(request)
    now = now or timezone.now()
    justification = request.justification.strip()
    while True:
        target = adjustment_period_next(tenant_id=tenant.pk, now=now)
        if period is not None and period != target:
            if _is_closed(tenant.pk, period):
                closed_period_violation(
                    tenant_id=tenant.pk, period=period, attempt=_ATTEMPT, actor=actor
                )
            raise AdjustmentInvalid(
                _("Ajustes entram no próximo período aberto, %(period)s.")
                % {"period": period_label(target)},
                field="period",
            )
        with transaction.atomic():
            # Shared with metering, exclusive with closing: the period cannot close under us.
            lock_for_recording(tenant.pk, target)
            if _is_closed(tenant.pk, target):
                adjustment = None  # it closed between the check and the lock
            else:
                adjustment = _create(
                    actor=actor,
                    tenant=tenant,
                    target=target,
                    operation=request.operation,
                    kind=kind,
                    quantity=quantity,
                    amount=amount,
                    justification=justification,
                    now=now,
                )
        if adjustment is not None:
            return adjustment
        if period is not None:
            closed_period_violation(
                tenant_id=tenant.pk, period=period, attempt=_ATTEMPT, actor=actor
            )


def _create(
    *,
    actor: Actor,
    tenant: Tenant,
    target: date,
    operation: str,
    kind: str,
    quantity: int,
    amount: Decimal | None,
    justification: str,
    now: datetime,
) -> ManualAdjustment:
    price: Decimal | None = None
    if quantity:
        # The price in force on the day it is recorded, within the period it is billed in.
        day = min(max(local_date(now), target), period_end_day(target))
        price = unit_price_in_force(tenant.pk, kind, day)
        if price is None:
            raise AdjustmentInvalid(
                _("Não há preço unitário em vigor para valorar as mensagens; informe um valor."),
                field="quantity",
            )
        amount = line_amount(quantity, price)
    if amount is None:  # _validate guarantees messages or an amount
        raise AdjustmentInvalid(_("Informe o valor do ajuste."), field="amount")
    adjustment = ManualAdjustment.objects.create(
        tenant=tenant,
        billing_period=target,
        operation=operation,
        kind=kind,
        quantity=quantity,
        unit_price=price,
        amount=amount,
        justification=justification,
        recorded_at=now,
        recorded_by=actor.label,
    )
    audit_record(
        actor=actor,
        action="billing.adjustment.create",
        target=adjustment,
        object_repr=f"{tenant.slug} {period_label(target)}",
        after={
            "tenant": tenant.slug,
            "billing_period": target,
            "operation": operation,
            "kind": kind,
            "quantity": quantity,
            "unit_price": price,
            "amount": amount,
            "signed_amount": adjustment.signed_amount,
            "justification": justification,
        },
    )
    return adjustment

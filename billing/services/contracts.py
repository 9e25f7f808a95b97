"""Contracts (6.6.2) and their price schedules (6.6.4.6, 6.6.4.7); every change audited."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection, transaction
from django.utils.translation import gettext as _

from billing.errors import ContractInvalid, PeriodClosedError
from billing.models import Contract, InvoicingMode, OveragePolicy, PriceSchedule
from billing.money import unit_price
from billing.periods import period_add, period_of_day
from billing.services.closing import closed_period_violation
from billing.services.locks import lock_for_repricing
from billing.services.usage import closed_through
from security.actors import Actor
from security.audit import audit_record
from tenants.models import Tenant

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class ContractTerms:
    reference: str
    term_start: date
    term_end: date
    contracted_messages: int
    storage_quota_bytes: int
    invoicing: str
    overage_policy: str
    billing_email: str = ""


def _snapshot(contract: Contract) -> dict[str, Any]:
    return {
        "reference": contract.reference,
        "term_start": contract.term_start,
        "term_end": contract.term_end,
        "contracted_messages": contract.contracted_messages,
        "storage_quota_bytes": contract.storage_quota_bytes,
        "invoicing": contract.invoicing,
        "overage_policy": contract.overage_policy,
        "billing_email": contract.billing_email,
    }


def _validate_terms(terms: ContractTerms) -> None:
    if not terms.reference.strip():
        raise ContractInvalid(_("Informe o número do contrato."), field="reference")
    if terms.term_end <= terms.term_start:
        raise ContractInvalid(
            _("O fim da vigência deve ser posterior ao início."), field="term_end"
        )
    if terms.contracted_messages <= 0:
        raise ContractInvalid(
            _("O volume contratado deve ser maior que zero."), field="contracted_messages"
        )
    if terms.storage_quota_bytes < 0:
        raise ContractInvalid(
            _("O armazenamento contratado não pode ser negativo."), field="storage_quota_bytes"
        )
    if terms.invoicing not in InvoicingMode.values:
        raise ContractInvalid(_("Forma de faturamento desconhecida."), field="invoicing")
    if terms.overage_policy not in OveragePolicy.values:
        raise ContractInvalid(_("Regra de excedente desconhecida."), field="overage_policy")
    if terms.invoicing == InvoicingMode.STRIPE and not terms.billing_email:
        raise ContractInvalid(
            _("Faturamento pelo Stripe exige um e-mail de cobrança."), field="billing_email"
        )


def _price(value: Decimal | str, field: str) -> Decimal:
    try:
        return unit_price(value)
    except (ValueError, InvalidOperation) as error:
        raise ContractInvalid(
            _("Preço unitário inválido: use até 4 casas decimais e valor não negativo."),
            field=field,
        ) from error


def contract_save(
    *,
    actor: Actor,
    tenant: Tenant,
    terms: ContractTerms,
    session_price: Decimal | str | None = None,
    template_price: Decimal | str | None = None,
) -> Contract:
    """Creates or amends the tenant's contract. A new contract needs its first prices, in force
    from the start of the term. The tenant's own term dates follow the contract's."""
    _validate_terms(terms)
    with transaction.atomic():
        contract = Contract.objects.select_for_update().filter(tenant=tenant).first()
        before = _snapshot(contract) if contract else None
        if contract is None:
            if session_price is None or template_price is None:
                raise ContractInvalid(
                    _("Informe os preços unitários iniciais do contrato."), field="session_price"
                )
            contract = Contract(tenant=tenant)
        for name, value in terms.__dict__.items():
            setattr(contract, name, value.strip() if isinstance(value, str) else value)
        contract.save()
        repriced = 0
        if before is None:
            PriceSchedule.objects.create(
                contract=contract,
                effective_from=terms.term_start,
                session_price=_price(session_price or "", "session_price"),
                template_price=_price(template_price or "", "template_price"),
            )
            # Usage metered before the contract was entered had no price: price it now, in the
            # open periods only.
            lock_for_repricing(tenant.id)
            first_open = _first_open_day(tenant.id)
            repriced = _reprice_from(
                tenant.id, max(terms.term_start, first_open) if first_open else terms.term_start
            )
        if tenant.contract_start != terms.term_start or tenant.contract_end != terms.term_end:
            tenant.contract_start, tenant.contract_end = terms.term_start, terms.term_end
            tenant.save(update_fields=["contract_start", "contract_end"])
        audit_record(
            actor=actor,
            action="billing.contract.create" if before is None else "billing.contract.update",
            target=contract,
            before=before,
            after={
                **_snapshot(contract),
                "session_price": session_price,
                "template_price": template_price,
                "repriced_records": repriced,
            }
            if before is None
            else _snapshot(contract),
        )
    return contract


def _first_open_day(tenant_id: int) -> date | None:
    closed = closed_through(tenant_id)
    return None if closed is None else period_add(closed, 1)


def _reprice_from(tenant_id: int, day: date) -> int:
    """Sets the price in force on every open-period usage row from `day` on; returns the count.
    Only open periods can hold such rows: the caller refused dates inside closed periods."""
    with connection.cursor() as cursor:
        cursor.execute(
            """
            UPDATE billing_usagerecord u SET unit_price = (
                SELECT CASE WHEN u.kind = 'session' THEN ps.session_price
                            ELSE ps.template_price END
                  FROM billing_priceschedule ps JOIN billing_contract c ON c.id = ps.contract_id
                 WHERE c.tenant_id = u.tenant_id
                   AND ps.effective_from <= (u.occurred_at AT TIME ZONE 'America/Sao_Paulo')::date
                 ORDER BY ps.effective_from DESC LIMIT 1)
            WHERE u.tenant_id = %s AND u.period >= %s
              AND (u.occurred_at AT TIME ZONE 'America/Sao_Paulo')::date >= %s
            """,
            [tenant_id, period_of_day(day), day],
        )
        return cursor.rowcount


def _refuse_if_closed(*, actor: Actor | None, contract: Contract, day: date, attempt: str) -> None:
    first_open = _first_open_day(contract.tenant_id)
    if first_open is not None and day < first_open:
        closed_period_violation(
            tenant_id=contract.tenant_id,
            period=period_of_day(day),
            attempt=attempt,
            actor=actor,
        )


def price_change_set(
    *,
    actor: Actor,
    contract: Contract,
    effective_from: date,
    session_price: Decimal | str,
    template_price: Decimal | str,
) -> PriceSchedule:
    """Adds (or replaces) the prices in force from a date. A date inside a closed period is
    refused and logged; usage already metered in open periods from that date is repriced, so a
    mid-month change splits the month at its effective date."""
    session = _price(session_price, "session_price")
    template = _price(template_price, "template_price")
    if effective_from < contract.term_start:
        raise ContractInvalid(
            _("A vigência do preço não pode começar antes do contrato."), field="effective_from"
        )
    # Checked before the transaction so the audit record of a refused attempt is kept, and
    # again under the lock in case the period closed in between.
    _refuse_if_closed(
        actor=actor, contract=contract, day=effective_from, attempt="price_change.set"
    )
    with transaction.atomic():
        lock_for_repricing(contract.tenant_id)
        _refuse_if_closed(
            actor=None, contract=contract, day=effective_from, attempt="price_change.set"
        )
        existing = PriceSchedule.objects.filter(
            contract=contract, effective_from=effective_from
        ).first()
        before = (
            {"session_price": existing.session_price, "template_price": existing.template_price}
            if existing
            else None
        )
        schedule, _created = PriceSchedule.objects.update_or_create(
            contract=contract,
            effective_from=effective_from,
            defaults={"session_price": session, "template_price": template},
        )
        repriced = _reprice_from(contract.tenant_id, effective_from)
        audit_record(
            actor=actor,
            action="billing.price.set",
            target=contract,
            before=before,
            after={
                "effective_from": effective_from,
                "session_price": session,
                "template_price": template,
                "repriced_records": repriced,
            },
        )
    return schedule


def price_change_remove(*, actor: Actor, contract: Contract, effective_from: date) -> None:
    """Removes a price change; the first price of the term cannot be removed."""
    _refuse_if_closed(
        actor=actor, contract=contract, day=effective_from, attempt="price_change.remove"
    )
    with transaction.atomic():
        lock_for_repricing(contract.tenant_id)
        schedule = PriceSchedule.objects.filter(
            contract=contract, effective_from=effective_from
        ).first()
        if schedule is None:
            raise ContractInvalid(_("Não há mudança de preço nesta data."), field="effective_from")
        earliest = PriceSchedule.objects.filter(contract=contract).order_by("effective_from")
        if earliest.first() == schedule:
            raise ContractInvalid(
                _("O preço inicial do contrato não pode ser removido."), field="effective_from"
            )
        _refuse_if_closed(
            actor=None, contract=contract, day=effective_from, attempt="price_change.remove"
        )
        before = {
            "effective_from": effective_from,
            "session_price": schedule.session_price,
            "template_price": schedule.template_price,
        }
        schedule.delete()
        repriced = _reprice_from(contract.tenant_id, effective_from)
        audit_record(
            actor=actor,
            action="billing.price.remove",
            target=contract,
            before=before,
            after={"repriced_records": repriced},
        )


__all__ = [
    "ContractTerms",
    "PeriodClosedError",
    "contract_save",
    "price_change_remove",
    "price_change_set",
]

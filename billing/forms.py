from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from billing.models import (
    AdjustmentOperation,
    Contract,
    InvoicingMode,
    OveragePolicy,
    UsageKind,
)

_DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
_PRICE_HELP = _("Em reais, com até 4 casas decimais (ex.: 0,0457).")
GB = 1_000_000_000


class PriceField(forms.DecimalField):
    def __init__(self, **kwargs: Any) -> None:
        super().__init__(
            max_digits=12,
            decimal_places=4,
            min_value=Decimal("0"),
            help_text=_PRICE_HELP,
            localize=True,
            **kwargs,
        )


class ContractForm(forms.Form):
    reference = forms.CharField(label=_("Número do contrato"), max_length=60)
    term_start = forms.DateField(label=_("Início da vigência"), widget=_DATE)
    term_end = forms.DateField(label=_("Fim da vigência"), widget=_DATE)
    contracted_messages = forms.IntegerField(
        label=_("Mensagens contratadas (vigência inteira, todos os canais)"), min_value=1
    )
    storage_quota_gb = forms.DecimalField(
        label=_("Armazenamento contratado (GB)"),
        min_value=Decimal("0"),
        max_digits=12,
        decimal_places=3,
        localize=True,
    )
    invoicing = forms.ChoiceField(label=_("Faturamento"), choices=InvoicingMode.choices)
    overage_policy = forms.ChoiceField(
        label=_("Ao atingir 100% do volume"), choices=OveragePolicy.choices
    )
    billing_email = forms.EmailField(label=_("E-mail de cobrança"), required=False)
    session_price = PriceField(label=_("Preço da mensagem de sessão (inicial)"), required=False)
    template_price = PriceField(label=_("Preço da mensagem de modelo (inicial)"), required=False)

    def __init__(self, *args: Any, contract: Contract | None = None, **kwargs: Any) -> None:
        if contract is not None:
            kwargs.setdefault(
                "initial",
                {
                    "reference": contract.reference,
                    "term_start": contract.term_start,
                    "term_end": contract.term_end,
                    "contracted_messages": contract.contracted_messages,
                    "storage_quota_gb": Decimal(contract.storage_quota_bytes) / GB,
                    "invoicing": contract.invoicing,
                    "overage_policy": contract.overage_policy,
                    "billing_email": contract.billing_email,
                },
            )
        super().__init__(*args, **kwargs)
        if contract is not None:
            # Prices of an existing contract change through the price schedule, with a date.
            del self.fields["session_price"]
            del self.fields["template_price"]
        else:
            self.fields["session_price"].required = True
            self.fields["template_price"].required = True

    def storage_bytes(self) -> int:
        return int(self.cleaned_data["storage_quota_gb"] * GB)


class PriceChangeForm(forms.Form):
    effective_from = forms.DateField(label=_("Vigente a partir de"), widget=_DATE)
    session_price = PriceField(label=_("Mensagem de sessão (R$)"))
    template_price = PriceField(label=_("Mensagem de modelo (R$)"))


class AdjustmentForm(forms.Form):
    """A manual credit or debit (see `billing.services.adjustments`). `period` is the next open
    period the operator was shown; the service refuses it if it has closed meanwhile."""

    period = forms.CharField(widget=forms.HiddenInput)
    operation = forms.ChoiceField(
        label=_("Operação"), choices=AdjustmentOperation.choices, widget=forms.RadioSelect
    )
    kind = forms.ChoiceField(
        label=_("Tipo das mensagens"),
        choices=[("", _("— (ajuste de valor)")), *UsageKind.choices],
        required=False,
    )
    quantity = forms.IntegerField(
        label=_("Mensagens"),
        min_value=1,
        required=False,
        help_text=_("Valoradas pelo preço unitário em vigor. Deixe em branco num ajuste de valor."),
    )
    amount = forms.DecimalField(
        label=_("Valor (R$)"),
        min_value=Decimal("0.0001"),
        max_digits=20,
        decimal_places=4,
        required=False,
        localize=True,
        help_text=_("Até 4 casas decimais. Deixe em branco num ajuste de mensagens."),
    )
    justification = forms.CharField(
        label=_("Justificativa"),
        min_length=10,
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Aparece no extrato ao lado do ajuste."),
    )

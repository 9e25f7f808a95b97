from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from core.validators import validate_cnpj


class OnboardingForm(forms.Form):
    name = forms.CharField(label=_("Razão social"), max_length=200)
    cnpj = forms.CharField(
        label=_("CNPJ"),
        max_length=18,
        validators=[validate_cnpj],
        widget=forms.TextInput(attrs={"inputmode": "numeric", "placeholder": "00.000.000/0000-00"}),
    )
    slug = forms.SlugField(
        label=_("Identificador"),
        max_length=40,
        help_text=_("Vira o endereço do órgão: <identificador>.<domínio>."),
    )
    contract_start = forms.DateField(
        label=_("Início do contrato"), widget=forms.DateInput(attrs={"type": "date"})
    )
    contract_end = forms.DateField(
        label=_("Fim do contrato"), widget=forms.DateInput(attrs={"type": "date"})
    )
    admin_name = forms.CharField(label=_("Nome do primeiro administrador"), max_length=150)
    admin_email = forms.EmailField(label=_("E-mail do primeiro administrador"))

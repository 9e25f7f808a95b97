from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from channels.models import Channel
from privacy.models import ConsentStatus


def _words(value: str) -> list[str]:
    return [word.strip() for word in value.replace("\n", ",").split(",") if word.strip()]


class KeywordsForm(forms.Form):
    opt_out_keywords = forms.CharField(
        label=_("Palavras para sair (separadas por vírgula)"), max_length=1000
    )
    opt_in_keywords = forms.CharField(
        label=_("Palavras para voltar (separadas por vírgula)"), max_length=1000, required=False
    )

    def opt_out(self) -> list[str]:
        return _words(self.cleaned_data["opt_out_keywords"])

    def opt_in(self) -> list[str]:
        return _words(self.cleaned_data.get("opt_in_keywords") or "")


class ConsentChangeForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Canal"), queryset=Channel.objects.all())
    status = forms.ChoiceField(label=_("Situação"), choices=ConsentStatus.choices)
    note = forms.CharField(label=_("Observação"), max_length=500, required=False)


class CpfForm(forms.Form):
    cpf = forms.CharField(label=_("CPF"), max_length=20)

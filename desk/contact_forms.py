"""Forms of the contacts screens: the list's filters, a consent change, and the import's upload
and column mapping."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels.models import Channel
from desk.models import ContactImport, Team
from desk.services.contact_import import ImportField, max_bytes
from privacy.models import ConsentStatus


class ContactFilterForm(forms.Form):
    q = forms.CharField(
        label=_("Nome ou telefone"),
        max_length=100,
        required=False,
        widget=forms.TextInput(attrs={"type": "search", "autocomplete": "off"}),
    )
    channel = forms.ModelChoiceField(
        label=_("Canal"),
        queryset=Channel.objects.order_by("name", "id"),
        required=False,
        empty_label=_("Todos os canais"),
    )
    team = forms.ModelChoiceField(
        label=_("Exclusivos da equipe"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("Qualquer equipe"),
    )

    def __init__(self, *args: Any, with_team: bool = True, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if not with_team:
            del self.fields["team"]

    def filters(self) -> dict[str, Any]:
        if not self.is_valid():
            return {"query": "", "channel": None, "team": None}
        data = self.cleaned_data
        return {
            "query": data.get("q") or "",
            "channel": data.get("channel"),
            "team": data.get("team"),
        }


class ConsentChangeForm(forms.Form):
    channel = forms.ModelChoiceField(label=_("Canal"), queryset=Channel.objects.all())
    status = forms.ChoiceField(label=_("Situação"), choices=ConsentStatus.choices)
    note = forms.CharField(label=_("Observação"), max_length=500, required=False)
    next = forms.CharField(required=False, widget=forms.HiddenInput)


class ImportUploadForm(forms.Form):
    file = forms.FileField(
        label=_("Arquivo (.csv ou .xlsx)"),
        widget=forms.ClearableFileInput(attrs={"accept": ".csv,.xlsx,text/csv"}),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        limit = f"{max_bytes() / 1_048_576:g}"
        self.fields["file"].help_text = _(
            "A primeira linha deve ter os nomes das colunas. Tamanho máximo: %(limit)s MB."
        ) % {"limit": limit}


class ImportMappingForm(forms.Form):
    """One choice per column of the file, plus the team and the consent channel."""

    team = forms.ModelChoiceField(
        label=_("Lista exclusiva da equipe"),
        queryset=Team.objects.order_by("name"),
        required=False,
        empty_label=_("Nenhuma: contatos visíveis a todos os atendentes"),
        help_text=_(
            "Os contatos importados ficam visíveis, entre os atendentes, somente aos membros "
            "desta equipe."
        ),
    )
    consent_channel = forms.ModelChoiceField(
        label=_("Canal do consentimento"),
        queryset=Channel.objects.order_by("name", "id"),
        required=False,
        empty_label=_("—"),
        help_text=_("Obrigatório quando uma coluna informa se o contato aceita receber mensagens."),
    )

    def __init__(self, *args: Any, job: ContactImport, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.job = job
        saved = {int(index): code for index, code in (job.mapping or {}).items()}
        choices = [("", _("Ignorar esta coluna")), *ImportField.CHOICES]
        self.column_fields: list[str] = []
        for index, header in enumerate(job.headers):
            name = f"column_{index}"
            self.fields[name] = forms.ChoiceField(
                label=header, choices=choices, required=False, initial=saved.get(index, "")
            )
            self.column_fields.append(name)
        if job.team_id is not None:
            self.fields["team"].initial = job.team_id
        if job.consent_channel_id is not None:
            self.fields["consent_channel"].initial = job.consent_channel_id
        # Columns first, then the options.
        self.order_fields([*self.column_fields, "team", "consent_channel"])

    def mapping(self) -> dict[int, str]:
        return {
            index: self.cleaned_data.get(name) or ""
            for index, name in enumerate(self.column_fields)
        }

    def columns(self) -> list[forms.BoundField]:
        return [self[name] for name in self.column_fields]

    def options(self) -> list[forms.BoundField]:
        return [self["team"], self["consent_channel"]]

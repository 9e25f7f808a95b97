"""Forms of the admin's routing screens; validation of rules stays in the services."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels.models import Channel
from desk.models import Team
from routing.models import (
    BusinessHoursGroup,
    CannedReply,
    Disposition,
    Holiday,
    PauseReason,
    TeamSettings,
)
from routing.models.hours import WEEKDAY_CHOICES
from routing.selectors import serving_user_list
from routing.services.teams import SETTINGS_FIELDS

TEXTAREA = forms.Textarea(attrs={"rows": 3})


class TeamCreateForm(forms.Form):
    name = forms.CharField(label=_("Nome da equipe"), max_length=120)


class TeamSettingsForm(forms.ModelForm):
    name = forms.CharField(label=_("Nome da equipe"), max_length=120)
    channels = forms.ModelMultipleChoiceField(
        label=_("Canais atendidos"),
        queryset=Channel.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nenhum marcado: a equipe atende todos os canais."),
    )

    class Meta:
        model = TeamSettings
        fields = ("name", *SETTINGS_FIELDS, "channels")
        widgets = dict.fromkeys(
            (
                "overflow_message",
                "inactivity_message",
                "closing_message",
                "announce_message",
                "queue_notice_message",
                "queue_estimate_message",
                "survey_message",
            ),
            TEXTAREA,
        )

    def __init__(self, *args: Any, team: Team, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["name"].initial = team.name
        others = Team.objects.exclude(pk=team.pk).order_by("name")
        self.fields["off_hours_team"].queryset = others  # type: ignore[attr-defined]
        self.fields["overflow_team"].queryset = others  # type: ignore[attr-defined]


class TeamMembersForm(forms.Form):
    members = forms.ModelMultipleChoiceField(
        label=_("Atendentes que podem entrar nesta equipe"),
        queryset=serving_user_list(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class HoursGroupForm(forms.ModelForm):
    """The group and, per weekday, its intervals as text ("08:00-12:00, 13:00-18:00")."""

    class Meta:
        model = BusinessHoursGroup
        fields = (
            "name",
            "observe_national_holidays",
            "state",
            "observe_optional_holidays",
            "off_hours_message",
            "holiday_message",
        )
        widgets = {"off_hours_message": TEXTAREA, "holiday_message": TEXTAREA}

    def __init__(self, *args: Any, week: dict[int, str] | None = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for day, label in WEEKDAY_CHOICES:
            self.fields[f"day_{day}"] = forms.CharField(
                label=label,
                required=False,
                initial=(week or {}).get(day, ""),
                help_text=_("Ex.: 08:00-12:00, 13:00-18:00. Vazio: fechado.") if day == 0 else "",
            )

    def group_fields(self) -> list[forms.BoundField]:
        return [self[name] for name in self.Meta.fields]

    def day_fields(self) -> list[forms.BoundField]:
        return [self[f"day_{day}"] for day, _label in WEEKDAY_CHOICES]


class HolidayForm(forms.ModelForm):
    class Meta:
        model = Holiday
        fields = ("name", "date", "kind", "recurring")
        widgets = {"date": forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")}


class DispositionForm(forms.ModelForm):
    teams = forms.ModelMultipleChoiceField(
        label=_("Equipes"),
        queryset=Team.objects.order_by("name"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        help_text=_("Nenhuma marcada: vale para todas as equipes."),
    )

    class Meta:
        model = Disposition
        fields = ("name", "is_active", "teams")


class CannedReplyForm(forms.ModelForm):
    class Meta:
        model = CannedReply
        fields = ("team", "shortcut", "title", "text", "is_active")
        widgets = {"text": forms.Textarea(attrs={"rows": 4})}


class PauseReasonForm(forms.ModelForm):
    class Meta:
        model = PauseReason
        fields = ("name", "auto_reply", "is_active")
        widgets = {"auto_reply": TEXTAREA}


class WordListsForm(forms.Form):
    start_stop = forms.CharField(
        label=_("Palavras que não iniciam atendimento (6.5.54)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            'Uma por linha. Uma primeira mensagem que seja só uma destas palavras ("ok", '
            '"obrigado", "👍") não abre atendimento nem fluxo.'
        ),
    )
    blocked = forms.CharField(
        label=_("Palavras proibidas para atendentes (6.5.55)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 8}),
        help_text=_(
            "Uma por linha. Uma mensagem de atendente com uma destas palavras é recusada e o "
            "motivo é mostrado."
        ),
    )


class CapacityForm(forms.Form):
    capacity = forms.IntegerField(label=_("Atendimentos simultâneos"), min_value=1, max_value=50)

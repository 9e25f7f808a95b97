"""The filters of a report, for the screen and the API alike (one validation, one message)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.http import QueryDict
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.labels import choices_for
from analytics.models import PeriodPreset
from analytics.reports.base import LOCAL_TIMEZONE, Granularity, IdFilter, Period, Report
from analytics.scoping import report_scope, team_scope

# Longer periods are a data pump, not a report; a year and a day covers "last 12 months".
MAX_PERIOD_DAYS = 731


def local_today() -> date:
    return timezone.now().astimezone(LOCAL_TIMEZONE).date()


class ReportForm(forms.Form):
    inicio = forms.DateField(
        label=_("De"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    fim = forms.DateField(
        label=_("Até"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    agrupamento = forms.ChoiceField(
        label=_("Agrupar o período por"), required=False, choices=Granularity.choices
    )

    def __init__(self, report: type[Report], *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        self.user = user
        # What the user may read: None for everything (administrators, auditors).
        self.scope = report_scope(user, report.scope_kind) if report.scope_column else None
        self.fields["dimensoes"] = forms.MultipleChoiceField(
            label=_("Colunas"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[(dimension.key, dimension.label) for dimension in report.dimensions],
            help_text=_("Sem nenhuma marcada, o relatório mostra todas."),
        )
        if getattr(report, "choose_measures", False):
            self.fields["medidas"] = forms.MultipleChoiceField(
                label=_("Números"),
                required=False,
                widget=forms.CheckboxSelectMultiple,
                choices=[(measure.key, measure.label) for measure in report.measures],
                help_text=_("Sem nenhum marcado, o relatório mostra todos."),
            )
        for item in report.filters:
            if isinstance(item, IdFilter):
                allowed = (
                    (team_scope(user) if item.labels == "team" else report_scope(user, "agent"))
                    if item.labels in ("team", "agent") and user
                    else None
                )
                self.fields[item.key] = forms.ChoiceField(
                    label=str(item.label),
                    required=False,
                    choices=[("", _("Todos")), *choices_for(item.labels, allowed)],
                )
            else:
                self.fields[item.key] = forms.CharField(
                    label=str(item.label), required=False, max_length=254
                )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        today = local_today()
        end = data.get("fim") or today
        start = data.get("inicio") or end.replace(day=1)
        if start > end:
            raise forms.ValidationError(
                _("A data inicial deve ser anterior à final."), code="period"
            )
        if end - start > timedelta(days=MAX_PERIOD_DAYS):
            raise forms.ValidationError(
                _("O período pode ter no máximo %(days)s dias.") % {"days": MAX_PERIOD_DAYS},
                code="period",
            )
        data["inicio"], data["fim"] = start, end
        data["agrupamento"] = data.get("agrupamento") or Granularity.DAY
        return data

    def build(self, *, tenant_id: int) -> Report:
        """The report to run; call after is_valid()."""
        data = self.cleaned_data
        # None ticked (or a first visit) means every column; the totals are always shown.
        dimensions = data.get("dimensoes") or None
        report = self.report
        if getattr(report, "choose_measures", False):
            report = report.with_measures(data.get("medidas") or [])  # type: ignore[attr-defined]
        return report(
            tenant_id=tenant_id,
            period=Period(start=data["inicio"], end=data["fim"]),
            granularity=data["agrupamento"],
            dimensions=dimensions,
            filters={item.key: data.get(item.key) or "" for item in self.report.filters},
            scope=self.scope,
            viewer=self.user,
        )

    def first_error(self) -> tuple[str, str | None]:
        for field, errors in self.errors.items():
            return str(errors[0]), (None if field == "__all__" else field)
        return "", None


def preset_period(preset: str, today: date | None = None) -> tuple[date, date]:
    """The São Paulo days a saved report's relative period covers, opened on `today`."""
    today = today or local_today()
    if preset == PeriodPreset.LAST_MONTH:
        last = today.replace(day=1) - timedelta(days=1)
        return last.replace(day=1), last
    if preset == PeriodPreset.LAST_7:
        return today - timedelta(days=6), today
    if preset == PeriodPreset.LAST_30:
        return today - timedelta(days=29), today
    return today.replace(day=1), today


# The builder's choices a saved report keeps (the period is kept as a preset instead).
SAVED_KEYS = ("dimensoes", "medidas", "agrupamento", "canal", "equipe")


class SavedReportForm(forms.Form):
    nome = forms.CharField(label=_("Nome"), max_length=120)
    periodo = forms.ChoiceField(
        label=_("Período ao abrir"), choices=PeriodPreset.choices, initial=PeriodPreset.THIS_MONTH
    )
    equipes = forms.MultipleChoiceField(
        label=_("Compartilhar com as equipes"),
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    parametros = forms.CharField(widget=forms.HiddenInput, required=False, max_length=2000)

    def __init__(self, *args: Any, user: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.user = user
        teams = self.fields["equipes"]
        assert isinstance(teams, forms.MultipleChoiceField)
        teams.choices = choices_for("team", team_scope(user) if user else None)

    def clean_parametros(self) -> dict[str, Any]:
        """The builder's query string, validated by the builder's own form."""
        from analytics.reports.custom import CustomReport

        query = QueryDict(self.cleaned_data.get("parametros") or "")
        builder = ReportForm(CustomReport, query, user=self.user)
        if not builder.is_valid():
            raise forms.ValidationError(builder.first_error()[0])
        data = builder.cleaned_data
        kept: dict[str, Any] = {}
        for key in SAVED_KEYS:
            value = data.get(key)
            if value:
                kept[key] = list(value) if isinstance(value, list) else str(value)
        return kept


class DashboardLayoutForm(forms.Form):
    """Per widget: shown or not, its position, its size (6.5.43)."""

    def __init__(self, *args: Any, layout: list[dict[str, str]], **kwargs: Any) -> None:
        from analytics.widgets import SIZES, WIDGETS

        super().__init__(*args, **kwargs)
        current = {item["key"]: (index, item["size"]) for index, item in enumerate(layout)}
        self.rows: list[tuple[Any, str]] = []
        for position, (key, widget) in enumerate(WIDGETS.items()):
            index, size = current.get(key, (len(WIDGETS) + position, widget.size))
            self.fields[f"mostrar_{key}"] = forms.BooleanField(
                label=_("Mostrar"), required=False, initial=key in current
            )
            self.fields[f"ordem_{key}"] = forms.IntegerField(
                label=_("Posição"), min_value=1, max_value=99, initial=index + 1
            )
            self.fields[f"tamanho_{key}"] = forms.ChoiceField(
                label=_("Tamanho"), choices=SIZES, initial=size
            )
            self.rows.append((widget.title, key))

    def widgets(self) -> list[dict[str, str]]:
        """The chosen widgets in order (ties keep the catalog's order)."""
        from analytics.widgets import WIDGETS

        data = self.cleaned_data
        chosen = [
            (data[f"ordem_{key}"], position, key)
            for position, key in enumerate(WIDGETS)
            if data.get(f"mostrar_{key}")
        ]
        return [{"key": key, "size": data[f"tamanho_{key}"]} for _o, _p, key in sorted(chosen)]

    def bound_rows(self) -> list[tuple[Any, Any, Any, Any]]:
        return [
            (title, self[f"mostrar_{key}"], self[f"ordem_{key}"], self[f"tamanho_{key}"])
            for title, key in self.rows
        ]

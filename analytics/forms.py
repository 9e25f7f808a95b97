"""The filters of a report, for the screen and the API alike (one validation, one message)."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from django import forms
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from analytics.reports.base import LOCAL_TIMEZONE, Granularity, Period, Report

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

    def __init__(self, report: type[Report], *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.report = report
        self.fields["dimensoes"] = forms.MultipleChoiceField(
            label=_("Colunas"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            choices=[(dimension.key, dimension.label) for dimension in report.dimensions],
            help_text=_("Sem nenhuma marcada, o relatório mostra todas."),
        )
        for item in report.filters:
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
        return self.report(
            tenant_id=tenant_id,
            period=Period(start=data["inicio"], end=data["fim"]),
            granularity=data["agrupamento"],
            dimensions=dimensions,
            filters={item.key: data.get(item.key) or "" for item in self.report.filters},
        )

    def first_error(self) -> tuple[str, str | None]:
        for field, errors in self.errors.items():
            return str(errors[0]), (None if field == "__all__" else field)
        return "", None

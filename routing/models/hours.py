"""Business-hours groups (6.5.34): weekly hours, what the citizen is told outside them, and
the holidays that close them."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

# Brazilian states, for the state holidays the `holidays` package knows (e.g. SP, 9 July).
STATE_CHOICES = [
    (code, code)
    for code in (
        "AC",
        "AL",
        "AM",
        "AP",
        "BA",
        "CE",
        "DF",
        "ES",
        "GO",
        "MA",
        "MG",
        "MS",
        "MT",
        "PA",
        "PB",
        "PE",
        "PI",
        "PR",
        "RJ",
        "RN",
        "RO",
        "RR",
        "RS",
        "SC",
        "SE",
        "SP",
        "TO",
    )
]

WEEKDAY_CHOICES = [
    (0, _("segunda-feira")),
    (1, _("terça-feira")),
    (2, _("quarta-feira")),
    (3, _("quinta-feira")),
    (4, _("sexta-feira")),
    (5, _("sábado")),
    (6, _("domingo")),
]


class BusinessHoursGroup(models.Model):
    """A calendar: opening hours per weekday, in America/Sao_Paulo wall-clock time, closed on
    national holidays (from the `holidays` package), optionally on the state's, and on the
    tenant's own municipal holidays; optional holidays (pontos facultativos) only when the
    group says so."""

    name = models.CharField(_("nome"), max_length=120, unique=True)
    observe_national_holidays = models.BooleanField(
        _("fechar nos feriados nacionais"), default=True
    )
    state = models.CharField(
        _("UF (feriados estaduais)"), max_length=2, choices=STATE_CHOICES, blank=True, default=""
    )
    observe_optional_holidays = models.BooleanField(
        _("fechar nos pontos facultativos"), default=False
    )
    off_hours_message = models.TextField(
        _("mensagem fora do expediente"),
        blank=True,
        default=_(
            "Nosso atendimento funciona em horário comercial. Sua mensagem foi registrada e "
            "será respondida assim que possível. Protocolo: {protocolo}."
        ),
    )
    holiday_message = models.TextField(
        _("mensagem em feriado"),
        blank=True,
        default=_(
            "Hoje é feriado ({feriado}) e não há expediente. Sua mensagem foi registrada e será "
            "respondida no próximo dia útil. Protocolo: {protocolo}."
        ),
    )
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("grupo de horários")
        verbose_name_plural = _("grupos de horários")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class BusinessHoursInterval(models.Model):
    """One opening interval on one weekday: `start <= time < end`. An `end` of 00:00 means the
    end of the day (24:00)."""

    group = models.ForeignKey(
        BusinessHoursGroup, on_delete=models.CASCADE, related_name="intervals"
    )
    weekday = models.PositiveSmallIntegerField(_("dia da semana"), choices=WEEKDAY_CHOICES)
    start_time = models.TimeField(_("início"))
    end_time = models.TimeField(_("fim"))

    class Meta:
        verbose_name = _("intervalo de expediente")
        verbose_name_plural = _("intervalos de expediente")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="hours_interval_weekday"
            )
        ]

    def __str__(self) -> str:
        return f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M}"


class HolidayKind(models.TextChoices):
    MUNICIPAL = "municipal", _("Feriado municipal")
    OPTIONAL = "optional", _("Ponto facultativo")


class Holiday(models.Model):
    """A tenant's own holiday; national (and state) holidays come from the `holidays` package.

    Municipal holidays close every group; optional ones close the groups that observe them.
    A recurring holiday repeats every year on the same day and month (the city's anniversary).
    """

    name = models.CharField(_("nome"), max_length=120)
    date = models.DateField(_("data"))
    kind = models.CharField(
        _("tipo"), max_length=10, choices=HolidayKind.choices, default=HolidayKind.MUNICIPAL
    )
    recurring = models.BooleanField(_("repete todo ano"), default=False)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)

    class Meta:
        verbose_name = _("feriado")
        verbose_name_plural = _("feriados")
        ordering = ["date", "name"]
        constraints = [models.UniqueConstraint(fields=["date", "name"], name="holiday_date_name")]

    def __str__(self) -> str:
        return f"{self.date:%d/%m/%Y} {self.name}"

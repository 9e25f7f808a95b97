"""Forms of the per-team console settings (6.5.37.3, 6.5.37.4, 6.5.37.8) and of an agent's
codename (6.5.58.5); the rules stay in the services."""

from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from routing.models import CodenameUnavailable, HistoryVisibility
from routing.services.codenames import CODENAME_MAX_LENGTH


class TeamConsoleForm(forms.Form):
    history_visibility = forms.ChoiceField(
        label=_("Histórico que os agentes desta equipe veem"),
        choices=HistoryVisibility.choices,
        widget=forms.RadioSelect,
        help_text=_(
            "Quem está em várias equipes segue a opção mais restrita entre elas. Supervisores e "
            "administradores veem sempre todo o histórico."
        ),
    )
    background = forms.FileField(
        label=_("Imagem de fundo da tela de atendimento"),
        required=False,
        widget=forms.ClearableFileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_("JPEG, PNG ou WebP, até 2 MB e 4096 x 4096 pixels."),
    )
    remove_background = forms.BooleanField(label=_("Remover a imagem de fundo"), required=False)


class AgentCodenameForm(forms.Form):
    codename = forms.CharField(
        label=_("Codinome"),
        max_length=CODENAME_MAX_LENGTH,
        required=False,
        help_text=_(
            "O cidadão que enviar exatamente esta palavra (sem diferença de maiúsculas ou "
            "acentos) vai direto para a fila deste atendente, sem passar pelo menu. Vazio: "
            "sem codinome."
        ),
    )
    when_unavailable = forms.ChoiceField(
        label=_("Se o atendente estiver desconectado, em pausa ou sem vaga"),
        choices=CodenameUnavailable.choices,
        widget=forms.RadioSelect,
        initial=CodenameUnavailable.WAIT,
    )

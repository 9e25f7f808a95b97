"""Forms of the channel screens. They only read input; the rules live in channels.services,
whose `ChannelError.field` names the form field to show the message on."""

from __future__ import annotations

from typing import Any

from django import forms
from django.utils.translation import gettext_lazy as _

from channels.models import ChannelMode, ChannelType
from desk.models import Team

KEEP_SECRET_HELP = _("Atual: %(masked)s. Deixe em branco para manter.")


class ColorInput(forms.TextInput):
    input_type = "color"


class ChannelForm(forms.Form):
    name = forms.CharField(label=_("Nome do canal"), max_length=120)
    mode = forms.ChoiceField(
        label=_("Ambiente"),
        choices=ChannelMode.choices,
        help_text=_(
            "Em teste, as mensagens vão para o simulador da plataforma, nunca ao provedor (6.8.5)."
        ),
    )
    default_team = forms.ModelChoiceField(
        label=_("Equipe que recebe os atendimentos"),
        queryset=Team.objects.none(),
        required=False,
        empty_label=_("Equipe padrão"),
    )
    protocol_notice = forms.BooleanField(
        label=_("Informar ao cidadão o número do protocolo ao abrir o atendimento"),
        required=False,
        initial=True,
    )
    sandbox_base_url = forms.URLField(
        label=_("Endereço do simulador (opcional)"),
        assume_scheme="https",
        required=False,
        help_text=_("Só no ambiente de teste. Em branco: o simulador da própria plataforma."),
    )
    is_active = forms.BooleanField(label=_("Canal ativo"), required=False, initial=True)

    def __init__(
        self, *args: Any, editing: bool = False, masked: dict[str, str] | None = None, **kwargs: Any
    ) -> None:
        super().__init__(*args, **kwargs)
        self.editing = editing
        team_field = self.fields["default_team"]
        assert isinstance(team_field, forms.ModelChoiceField)
        team_field.queryset = Team.objects.order_by("name")
        if not editing:
            del self.fields["is_active"]
        for name in self.secret_fields:
            field = self.fields[name]
            field.widget = forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"})
            if editing:
                field.required = False
                field.help_text = KEEP_SECRET_HELP % {"masked": (masked or {}).get(name) or "—"}

    secret_fields: tuple[str, ...] = ()
    channel_type: str = ""

    def credentials(self) -> dict[str, str]:
        return {}

    def webchat(self) -> dict[str, Any] | None:
        return None


class WhatsAppForm(ChannelForm):
    channel_type = ChannelType.WHATSAPP
    secret_fields = ("access_token", "app_secret", "verify_token")

    phone_number_id = forms.CharField(
        label=_("Identificação do número de telefone (Phone number ID)"), max_length=32
    )
    business_account_id = forms.CharField(
        label=_("Identificação da conta do WhatsApp Business (WABA ID)"), max_length=32
    )
    access_token = forms.CharField(label=_("Token de acesso permanente"), max_length=1024)
    app_secret = forms.CharField(
        label=_("Chave secreta do aplicativo (App secret)"), max_length=256
    )
    verify_token = forms.CharField(
        label=_("Token de verificação do webhook"),
        max_length=256,
        help_text=_("Você o escolhe; digite o mesmo no painel da Meta ao cadastrar o webhook."),
    )

    def credentials(self) -> dict[str, str]:
        return {
            key: self.cleaned_data.get(key) or ""
            for key in (
                "phone_number_id",
                "business_account_id",
                "access_token",
                "app_secret",
                "verify_token",
            )
        }


class TelegramForm(ChannelForm):
    channel_type = ChannelType.TELEGRAM
    secret_fields = ("bot_token",)

    bot_token = forms.CharField(
        label=_("Token do bot"),
        max_length=256,
        help_text=_(
            "Fornecido pelo BotFather. Ao salvar, a plataforma registra o webhook no "
            "Telegram com um token secreto."
        ),
    )

    def credentials(self) -> dict[str, str]:
        return {"bot_token": self.cleaned_data.get("bot_token") or ""}


class WebChatForm(ChannelForm):
    channel_type = ChannelType.WEBCHAT

    webchat_allowed_origins = forms.CharField(
        label=_("Sites autorizados"),
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        help_text=_(
            "Um por linha, como https://www.cidade.gov.br. Só páginas destes endereços "
            "podem usar o chat."
        ),
    )
    webchat_primary_color = forms.CharField(
        label=_("Cor principal"), widget=ColorInput, initial="#1351B4"
    )
    webchat_text_color = forms.CharField(
        label=_("Cor do texto sobre a cor principal"), widget=ColorInput, initial="#FFFFFF"
    )
    webchat_greeting = forms.CharField(
        label=_("Saudação"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=500,
        help_text=_("Mostrada ao visitante quando ele abre o chat."),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The widget talks to the platform directly: no simulator for WebChat.
        del self.fields["sandbox_base_url"]

    def webchat(self) -> dict[str, Any]:
        origins = [
            line.strip()
            for line in (self.cleaned_data.get("webchat_allowed_origins") or "").splitlines()
            if line.strip()
        ]
        return {
            "allowed_origins": tuple(origins),
            "primary_color": self.cleaned_data.get("webchat_primary_color") or "",
            "text_color": self.cleaned_data.get("webchat_text_color") or "",
            "greeting": self.cleaned_data.get("webchat_greeting") or "",
        }


FORMS: dict[str, type[ChannelForm]] = {
    ChannelType.WHATSAPP: WhatsAppForm,
    ChannelType.TELEGRAM: TelegramForm,
    ChannelType.WEBCHAT: WebChatForm,
}


class CitizenForm(forms.Form):
    citizen_id = forms.CharField(
        label=_("Número do cidadão (WhatsApp) ou id do chat (Telegram)"),
        max_length=15,
        help_text=_("Só dígitos, por exemplo 5561999990001."),
    )
    citizen_name = forms.CharField(label=_("Nome do cidadão"), max_length=100, required=False)


class SimulatedMessageForm(forms.Form):
    text = forms.CharField(
        label=_("Mensagem do cidadão"),
        widget=forms.Textarea(attrs={"rows": 2}),
        required=False,
        max_length=4096,
    )
    image = forms.ImageField(
        label=_("Imagem (opcional)"),
        required=False,
        help_text=_("JPEG, PNG ou WebP até 5 MB."),
    )

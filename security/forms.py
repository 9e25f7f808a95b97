from __future__ import annotations

from datetime import timedelta
from typing import Any

from django import forms
from django.contrib.auth.forms import AuthenticationForm
from django.http import HttpRequest
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.roles import CAPABILITIES, Role
from security.actors import client_ip
from security.models import AccessEventKind, BlockKind, IpRuleKind, SecurityPolicy
from security.recaptcha import RESPONSE_FIELD, captcha_verify
from security.selectors import Period, policy_for_request, recent_failures
from security.services.access_log import access_event_record
from security.services.login_hours import WEEKDAY_LABELS, login_allowed_now
from security.services.policy import EDITABLE_FIELDS


def captcha_required(request: HttpRequest | None, username: str | None = None) -> bool:
    """reCAPTCHA is asked once this user or this address has failed often enough (6.5.23.6)."""
    if request is None:
        return False
    policy = policy_for_request(request)
    if not policy.captcha_configured:
        return False
    failures = recent_failures(
        username=username,
        ip=client_ip(request),
        window=timedelta(minutes=policy.lockout_window_minutes),
    )
    return failures >= policy.captcha_after_failures


class SecureLoginForm(AuthenticationForm):
    """Django's sign-in form plus the tenant's policy: reCAPTCHA after repeated failures and
    the sign-in hours (6.5.33). Lockout is enforced by django-axes inside `authenticate`."""

    error_messages = {
        **AuthenticationForm.error_messages,
        "invalid_login": _("E-mail ou senha incorretos."),
        "inactive": _("Este usuário está desativado."),
        "captcha": _("Confirme que você não é um robô marcando a caixa do reCAPTCHA."),
        "outside_hours": _(
            "Fora do seu horário de acesso. A entrada é permitida apenas dentro do expediente "
            "definido pelo administrador."
        ),
    }

    def __init__(self, request: HttpRequest | None = None, *args: Any, **kwargs: Any) -> None:
        super().__init__(request, *args, **kwargs)
        username = self.data.get("username") if self.is_bound else None
        self.captcha_required = captcha_required(request, username)
        self.captcha_site_key = (
            policy_for_request(request).recaptcha_site_key if request is not None else ""
        )

    def clean(self) -> dict[str, Any]:
        if self.captcha_required and self.request is not None:
            policy = policy_for_request(self.request)
            result = captcha_verify(
                secret=policy.recaptcha_secret_key,
                response=self.data.get(RESPONSE_FIELD, ""),
                remote_ip=client_ip(self.request),
            )
            if not result.success:
                raise forms.ValidationError(self.error_messages["captcha"], code="captcha")
        return super().clean()

    def confirm_login_allowed(self, user: Any) -> None:
        super().confirm_login_allowed(user)
        if not login_allowed_now(user):
            access_event_record(
                request=self.request,
                kind=AccessEventKind.REFUSED,
                user=user,
                detail="fora do horário",
            )
            raise forms.ValidationError(self.error_messages["outside_hours"], code="outside_hours")


class PolicyForm(forms.ModelForm):
    two_factor_roles = forms.MultipleChoiceField(
        label=_("Papéis com verificação em duas etapas obrigatória"),
        choices=Role.choices,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )
    recaptcha_secret_key = forms.CharField(
        label=_("Chave secreta (reCAPTCHA)"),
        required=False,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text=_("Guardada cifrada. Deixe em branco para manter a chave atual."),
    )

    class Meta:
        model = SecurityPolicy
        fields = list(EDITABLE_FIELDS)


class IpRuleForm(forms.Form):
    kind = forms.ChoiceField(label=_("Lista"), choices=IpRuleKind.choices)
    network = forms.CharField(
        label=_("Endereço IP ou faixa CIDR"),
        max_length=49,
        help_text=_("Por exemplo 200.10.20.30 ou 200.10.20.0/24."),
    )
    description = forms.CharField(label=_("Descrição"), max_length=200, required=False)


class PermanentBlockForm(forms.Form):
    kind = forms.ChoiceField(label=_("Bloquear"), choices=BlockKind.choices)
    value = forms.CharField(label=_("E-mail do usuário ou endereço IP"), max_length=254)
    reason = forms.CharField(label=_("Motivo"), max_length=200, required=False)


class MaskingRuleForm(forms.Form):
    name = forms.CharField(label=_("Nome"), max_length=100)
    pattern = forms.CharField(
        label=_("Expressão regular"),
        max_length=300,
        help_text=_("Por exemplo \\d{5}-\\d{3} para CEP."),
    )
    replacement = forms.CharField(label=_("Substituir por"), max_length=50, initial="***")


class LoginScheduleForm(forms.Form):
    user = forms.ModelChoiceField(label=_("Usuário"), queryset=User.objects.none(), required=False)
    role = forms.ChoiceField(
        label=_("ou papel"), choices=[("", "—"), *Role.choices], required=False
    )
    start_time = forms.TimeField(
        label=_("Início do expediente"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    end_time = forms.TimeField(
        label=_("Fim do expediente"), widget=forms.TimeInput(attrs={"type": "time"})
    )
    weekdays = forms.TypedMultipleChoiceField(
        label=_("Dias da semana"),
        coerce=int,
        choices=list(WEEKDAY_LABELS.items()),
        initial=[0, 1, 2, 3, 4],
        widget=forms.CheckboxSelectMultiple,
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["user"].queryset = User.objects.order_by("full_name")  # type: ignore[attr-defined]


class PasswordChangeForm(forms.Form):
    current_password = forms.CharField(
        label=_("Senha atual"),
        widget=forms.PasswordInput(attrs={"autocomplete": "current-password"}),
    )
    new_password = forms.CharField(
        label=_("Nova senha"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    new_password_repeat = forms.CharField(
        label=_("Repita a nova senha"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("new_password") and data.get("new_password") != data.get("new_password_repeat"):
            raise forms.ValidationError(_("As duas senhas novas não são iguais."))
        return data


class TokenForm(forms.Form):
    token = forms.CharField(
        label=_("Código de 6 dígitos"),
        max_length=8,
        min_length=6,
        widget=forms.TextInput(
            attrs={"autocomplete": "one-time-code", "inputmode": "numeric", "pattern": "[0-9]*"}
        ),
    )


class CapabilitiesForm(forms.Form):
    capabilities = forms.MultipleChoiceField(
        label=_("Permissões adicionais"),
        choices=CAPABILITIES,
        required=False,
        widget=forms.CheckboxSelectMultiple,
    )


class PeriodFilterForm(forms.Form):
    start = forms.DateField(
        label=_("De"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )
    end = forms.DateField(
        label=_("Até"), required=False, widget=forms.DateInput(attrs={"type": "date"})
    )

    def period(self) -> Period:
        data = self.cleaned_data if self.is_valid() else {}
        return Period(start=data.get("start"), end=data.get("end"))


class AccessLogFilterForm(PeriodFilterForm):
    user = forms.CharField(label=_("Usuário"), required=False)
    kind = forms.ChoiceField(
        label=_("Evento"), choices=[("", _("Todos")), *AccessEventKind.choices], required=False
    )
    ip = forms.GenericIPAddressField(label=_("IP"), required=False)


class AuditLogFilterForm(PeriodFilterForm):
    user = forms.CharField(label=_("Usuário"), required=False)
    action = forms.CharField(label=_("Ação"), required=False)
    object_type = forms.CharField(label=_("Tipo de objeto"), required=False)
    object_id = forms.CharField(label=_("Id do objeto"), required=False)

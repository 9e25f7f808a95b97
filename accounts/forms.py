from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class InviteUserForm(forms.Form):
    full_name = forms.CharField(label=_("Nome completo"), max_length=150)
    email = forms.EmailField(label=_("E-mail"))
    role = forms.ChoiceField(label=_("Papel"), choices=Role.choices)


class EditUserForm(forms.Form):
    full_name = forms.CharField(label=_("Nome completo"), max_length=150)
    role = forms.ChoiceField(label=_("Papel"), choices=Role.choices)
    is_active = forms.BooleanField(label=_("Ativo"), required=False)


class SetPasswordForm(forms.Form):
    password1 = forms.CharField(
        label=_("Nova senha"), widget=forms.PasswordInput(attrs={"autocomplete": "new-password"})
    )
    password2 = forms.CharField(
        label=_("Repita a senha"),
        widget=forms.PasswordInput(attrs={"autocomplete": "new-password"}),
    )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("password1") and data.get("password1") != data.get("password2"):
            raise forms.ValidationError(_("As duas senhas não são iguais."))
        return data


class ApiTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nome do token"),
        max_length=100,
        help_text=_("Por exemplo, o nome do sistema que vai usá-lo."),
    )


class LanguageForm(forms.Form):
    language = forms.ChoiceField(label=_("Idioma"), choices=settings.LANGUAGES)

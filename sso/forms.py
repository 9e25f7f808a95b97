from __future__ import annotations

from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role

# IdP metadata is a few kilobytes; Entra ID's federation metadata stays well under 100 KB.
METADATA_MAX_BYTES = 512 * 1024


class IdentityProviderForm(forms.Form):
    enabled = forms.BooleanField(label=_("Ativo (mostra o botão na tela de login)"), required=False)
    metadata_file = forms.FileField(
        label=_("XML de metadados do IdP"),
        required=False,
        help_text=_(
            "Envie o arquivo baixado do Google Admin ou do Entra ID (Federation "
            "Metadata XML): preenche entity ID, URL de login e certificado."
        ),
    )
    entity_id = forms.CharField(label=_("Entity ID do IdP"), max_length=500, required=False)
    sso_url = forms.URLField(
        label=_("URL de login (SSO) do IdP"), max_length=500, required=False, assume_scheme="https"
    )
    x509_cert = forms.CharField(
        label=_("Certificado(s) de assinatura do IdP (PEM)"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 6}),
    )
    attribute_email = forms.CharField(
        label=_("Atributo de e-mail"),
        max_length=200,
        required=False,
        help_text=_("Em branco: usa o NameID da asserção."),
    )
    attribute_full_name = forms.CharField(
        label=_("Atributo de nome completo"), max_length=200, required=False
    )
    attribute_first_name = forms.CharField(
        label=_("Atributo de nome"), max_length=200, required=False
    )
    attribute_last_name = forms.CharField(
        label=_("Atributo de sobrenome"), max_length=200, required=False
    )
    attribute_role = forms.CharField(label=_("Atributo de papel"), max_length=200, required=False)
    role_mapping = forms.CharField(
        label=_("Mapeamento de papéis"),
        required=False,
        widget=forms.Textarea(attrs={"rows": 4}),
        help_text=_(
            "Uma linha por valor do atributo de papel: “valor = papel”. Papéis: "
            "administrador, supervisor, atendente, auditor."
        ),
    )
    default_role = forms.ChoiceField(
        label=_("Papel de quem não tiver papel mapeado"), choices=Role.choices
    )
    attribute_team = forms.CharField(label=_("Atributo de equipe"), max_length=200, required=False)
    create_users = forms.BooleanField(label=_("Criar usuários no primeiro login"), required=False)
    link_by_email = forms.BooleanField(
        label=_("Vincular usuários existentes pelo e-mail"), required=False
    )
    allow_idp_initiated = forms.BooleanField(
        label=_("Aceitar login iniciado pelo IdP"), required=False
    )

    def clean_metadata_file(self) -> str:
        upload = self.cleaned_data.get("metadata_file")
        if not upload:
            return ""
        if upload.size > METADATA_MAX_BYTES:
            raise forms.ValidationError(_("Arquivo grande demais para metadados SAML."))
        try:
            return upload.read().decode("utf-8-sig")
        except UnicodeDecodeError as error:
            raise forms.ValidationError(_("O arquivo deve ser um XML em UTF-8.")) from error


class ScimTokenForm(forms.Form):
    name = forms.CharField(
        label=_("Nome do token"), max_length=100, help_text=_("Por exemplo, “Entra ID produção”.")
    )


class GroupRoleMappingForm(forms.Form):
    group_name = forms.CharField(label=_("Grupo do diretório (displayName)"), max_length=300)
    role = forms.ChoiceField(label=_("Papel"), choices=Role.choices)


class DefaultRoleForm(forms.Form):
    default_role = forms.ChoiceField(
        label=_("Papel de quem não está em nenhum grupo mapeado"), choices=Role.choices
    )

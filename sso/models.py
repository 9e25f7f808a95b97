"""SAML identity providers, SCIM provisioning state and what the directory says about a user.

All of it lives in the tenant's schema: each municipality trusts its own Google Workspace or
Microsoft Entra ID, and its own SCIM token.
"""

from __future__ import annotations

import uuid

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils.translation import gettext_lazy as _

from accounts.roles import Role


class IdentityProviderKind(models.TextChoices):
    GOOGLE = "google", _("Google Workspace")
    MICROSOFT = "microsoft", _("Microsoft Entra ID (Azure AD)")


class IdentityProvider(models.Model):
    """A SAML 2.0 identity provider trusted by this tenant (6.5.23.1). One per kind."""

    kind = models.CharField(
        _("provedor"), max_length=16, choices=IdentityProviderKind.choices, unique=True
    )
    enabled = models.BooleanField(_("ativo"), default=False)
    entity_id = models.CharField(_("identificador (entity ID) do IdP"), max_length=500, blank=True)
    sso_url = models.URLField(_("URL de login (SSO) do IdP"), max_length=500, blank=True)
    # One or more PEM certificates: two during a certificate rollover at the IdP.
    x509_cert = models.TextField(_("certificado(s) de assinatura do IdP"), blank=True)
    metadata_xml = models.TextField(_("metadados enviados"), blank=True)

    attribute_email = models.CharField(
        _("atributo de e-mail"),
        max_length=200,
        blank=True,
        help_text=_("Em branco: usa o NameID da asserção."),
    )
    attribute_full_name = models.CharField(
        _("atributo de nome completo"), max_length=200, blank=True
    )
    attribute_first_name = models.CharField(_("atributo de nome"), max_length=200, blank=True)
    attribute_last_name = models.CharField(_("atributo de sobrenome"), max_length=200, blank=True)
    attribute_role = models.CharField(_("atributo de papel"), max_length=200, blank=True)
    attribute_team = models.CharField(_("atributo de equipe"), max_length=200, blank=True)
    # Value sent by the IdP in the role attribute -> one of accounts.roles.Role.
    role_mapping = models.JSONField(_("mapeamento de papéis"), default=dict, blank=True)
    default_role = models.CharField(
        _("papel padrão"), max_length=32, choices=Role.choices, default=Role.AGENT
    )

    create_users = models.BooleanField(
        _("criar usuários no primeiro login"),
        default=False,
        help_text=_("Cria automaticamente quem se autenticar no IdP e ainda não tiver usuário."),
    )
    link_by_email = models.BooleanField(
        _("vincular usuários existentes pelo e-mail"),
        default=True,
    )
    allow_idp_initiated = models.BooleanField(
        _("aceitar login iniciado pelo IdP"),
        default=False,
        help_text=_("Permite entrar pelo portal do provedor (por exemplo, Meus Aplicativos)."),
    )

    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("provedor de identidade SAML")
        verbose_name_plural = _("provedores de identidade SAML")
        ordering = ["kind"]

    def __str__(self) -> str:
        return str(self.get_kind_display())

    @property
    def is_configured(self) -> bool:
        return bool(self.entity_id and self.sso_url and self.x509_cert)


class SamlIdentity(models.Model):
    """Links the IdP's subject (NameID) to a local user, so later logins need no e-mail match."""

    provider = models.ForeignKey(
        IdentityProvider, on_delete=models.CASCADE, related_name="identities"
    )
    name_id = models.CharField(max_length=500)
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="saml_identities"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_login_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("identidade SAML")
        verbose_name_plural = _("identidades SAML")
        constraints = [
            models.UniqueConstraint(fields=["provider", "name_id"], name="sso_identity_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.provider.kind}:{self.name_id}"


class SamlAssertionSeen(models.Model):
    """Assertion IDs already consumed: a second POST of the same assertion is a replay."""

    provider = models.ForeignKey(IdentityProvider, on_delete=models.CASCADE, related_name="+")
    assertion_id = models.CharField(max_length=256)
    expires_at = models.DateTimeField(db_index=True)
    seen_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["provider", "assertion_id"], name="sso_assertion_seen_unique"
            ),
        ]

    def __str__(self) -> str:
        return self.assertion_id


class IdentityProfile(models.Model):
    """What the directory (SAML attributes, SCIM) says about a user beyond accounts.User."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="identity_profile"
    )
    # Teams as named by the IdP; kept as strings until desk teams exist to map them to.
    teams = models.JSONField(_("equipes (IdP)"), default=list, blank=True)
    scim_managed = models.BooleanField(_("gerenciado pelo diretório (SCIM)"), default=False)
    # Empty until the directory claims the user.
    scim_user_name = models.CharField(_("userName (SCIM)"), max_length=300, blank=True)
    scim_external_id = models.CharField(_("externalId (SCIM)"), max_length=300, blank=True)
    given_name = models.CharField(_("nome"), max_length=150, blank=True)
    family_name = models.CharField(_("sobrenome"), max_length=150, blank=True)
    # Attributes the directory sends that have no column here (title, department…), kept as
    # sent so the directory's view of the person is not lost.
    scim_attributes = models.JSONField(default=dict, blank=True)
    # DELETE from the directory deactivates the user and hides it from SCIM; the row stays
    # because conversations and audit entries point to it.
    scim_deleted_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("perfil do diretório")
        verbose_name_plural = _("perfis do diretório")
        constraints = [
            models.UniqueConstraint(
                Lower("scim_user_name"),
                condition=~Q(scim_user_name=""),
                name="sso_profile_user_name_unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user_id}"


class ScimToken(models.Model):
    """The bearer token the directory uses for /scim/v2/. Only its hash is kept."""

    name = models.CharField(_("nome"), max_length=100)
    prefix = models.CharField(max_length=12, unique=True)
    token_hash = models.CharField(max_length=64, unique=True)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("token SCIM")
        verbose_name_plural = _("tokens SCIM")
        ordering = ["-created_at"]

    def __str__(self) -> str:
        return f"{self.name} (scim_{self.prefix}…)"


class ScimGroup(models.Model):
    """A directory group pushed over SCIM; its name may map to a role (GroupRoleMapping)."""

    id = models.UUIDField(primary_key=True, default=uuid.uuid4, editable=False)
    display_name = models.CharField(_("nome"), max_length=300)
    external_id = models.CharField(_("externalId"), max_length=300, blank=True)
    members = models.ManyToManyField(
        settings.AUTH_USER_MODEL, related_name="scim_groups", blank=True
    )
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("grupo do diretório")
        verbose_name_plural = _("grupos do diretório")
        ordering = ["display_name"]
        constraints = [
            models.UniqueConstraint(Lower("display_name"), name="sso_group_name_unique"),
        ]

    def __str__(self) -> str:
        return self.display_name


class GroupRoleMapping(models.Model):
    """Members of the directory group named `group_name` get `role` (6.5.23.2)."""

    group_name = models.CharField(_("grupo do diretório"), max_length=300)
    role = models.CharField(_("papel"), max_length=32, choices=Role.choices)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("mapeamento grupo → papel")
        verbose_name_plural = _("mapeamentos grupo → papel")
        ordering = ["group_name"]
        constraints = [
            models.UniqueConstraint(Lower("group_name"), name="sso_mapping_group_unique"),
        ]

    def __str__(self) -> str:
        return f"{self.group_name} → {self.role}"


class ProvisioningSettings(models.Model):
    """The tenant's SCIM options (a single row)."""

    default_role = models.CharField(
        _("papel de quem não está em grupo mapeado"),
        max_length=32,
        choices=Role.choices,
        default=Role.AGENT,
    )
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("configuração de provisionamento")
        verbose_name_plural = _("configurações de provisionamento")

    def __str__(self) -> str:
        return f"{self._meta.verbose_name}: {self.default_role}"

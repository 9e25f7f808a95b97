"""What a tenant admin sets: the security policy, IP lists and login hours."""

from __future__ import annotations

from datetime import time

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.utils.translation import gettext_lazy as _

from security.fields import EncryptedTextField


class LockoutScope(models.TextChoices):
    USER = "usuario", _("Por usuário")
    IP = "ip", _("Por endereço IP")
    BOTH = "ambos", _("Por usuário e por endereço IP")


class SecurityPolicy(models.Model):
    """The schema's security settings: a single row (pk 1); defaults apply until it is saved.

    One table per schema (django-tenants), so each municipality has its own policy and the
    control plane (public schema) has the provider's.
    """

    SINGLETON_ID = 1

    # Passwords (6.5.23.4)
    password_min_length = models.PositiveSmallIntegerField(
        _("tamanho mínimo da senha"),
        default=10,
        validators=[MinValueValidator(8), MaxValueValidator(128)],
    )
    password_require_lowercase = models.BooleanField(_("exigir letra minúscula"), default=True)
    password_require_uppercase = models.BooleanField(_("exigir letra maiúscula"), default=True)
    password_require_digit = models.BooleanField(_("exigir número"), default=True)
    password_require_symbol = models.BooleanField(_("exigir símbolo"), default=False)
    password_history = models.PositiveSmallIntegerField(
        _("senhas anteriores que não podem ser repetidas"),
        default=5,
        validators=[MaxValueValidator(12)],
    )
    password_expiry_days = models.PositiveSmallIntegerField(
        _("validade da senha (dias)"),
        default=0,
        validators=[MaxValueValidator(730)],
        help_text=_("0 = a senha não expira."),
    )

    # Lockout (6.5.23.5, 6.5.23.7)
    lockout_failures = models.PositiveSmallIntegerField(
        _("tentativas sem sucesso até o bloqueio"),
        default=5,
        validators=[MinValueValidator(2), MaxValueValidator(100)],
    )
    lockout_window_minutes = models.PositiveIntegerField(
        _("janela de contagem das tentativas (minutos)"),
        default=15,
        validators=[MinValueValidator(1), MaxValueValidator(1440)],
    )
    lockout_scope = models.CharField(
        _("bloquear"), max_length=8, choices=LockoutScope.choices, default=LockoutScope.BOTH
    )
    lockout_duration_minutes = models.PositiveIntegerField(
        _("duração do bloqueio (minutos)"),
        default=30,
        validators=[MaxValueValidator(525_600)],
        help_text=_("0 = bloqueado até que um administrador desbloqueie."),
    )

    # reCAPTCHA (6.5.23.6)
    captcha_enabled = models.BooleanField(
        _("exigir reCAPTCHA após tentativas repetidas"), default=False
    )
    captcha_after_failures = models.PositiveSmallIntegerField(
        _("tentativas sem sucesso até exigir o reCAPTCHA"),
        default=3,
        validators=[MinValueValidator(1), MaxValueValidator(100)],
    )
    recaptcha_site_key = models.CharField(
        _("chave do site (reCAPTCHA)"), max_length=100, blank=True
    )
    recaptcha_secret_key = EncryptedTextField(
        _("chave secreta (reCAPTCHA)"), blank=True, default=""
    )

    # Two-factor authentication: roles for which it is mandatory (values of accounts.Role).
    two_factor_roles = models.JSONField(_("papéis com 2FA obrigatório"), default=list, blank=True)

    # Inactivity logout (6.5.56)
    idle_timeout_minutes = models.PositiveSmallIntegerField(
        _("desconectar após inatividade (minutos)"),
        default=0,
        validators=[MaxValueValidator(1440)],
        help_text=_("0 = não desconecta."),
    )

    # Built-in masking patterns (6.5.23.10, 6.5.23.11); custom ones are MaskingRule rows.
    mask_cpf = models.BooleanField(_("ocultar CPF"), default=True)
    mask_email = models.BooleanField(_("ocultar e-mail"), default=True)
    mask_phone = models.BooleanField(_("ocultar telefone"), default=True)

    updated_at = models.DateTimeField(_("atualizada em"), auto_now=True)

    class Meta:
        verbose_name = _("política de segurança")
        verbose_name_plural = _("políticas de segurança")

    def __str__(self) -> str:
        return str(_("Política de segurança"))

    @property
    def lockout_is_until_unblocked(self) -> bool:
        return self.lockout_duration_minutes == 0

    @property
    def captcha_configured(self) -> bool:
        return bool(self.captcha_enabled and self.recaptcha_site_key and self.recaptcha_secret_key)


class IpRuleKind(models.TextChoices):
    ALLOW = "liberar", _("Lista de liberação (access list)")
    BLOCK = "bloquear", _("Lista de bloqueio (block list)")


class IpRule(models.Model):
    """One address or CIDR range on the allow list or the block list (6.5.23.9)."""

    kind = models.CharField(_("lista"), max_length=8, choices=IpRuleKind.choices)
    network = models.CharField(_("endereço ou faixa (CIDR)"), max_length=49)
    description = models.CharField(_("descrição"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)
    created_by = models.CharField(_("criada por"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("regra de IP")
        verbose_name_plural = _("regras de IP")
        ordering = ["kind", "network"]
        constraints = [
            models.UniqueConstraint(fields=["kind", "network"], name="security_iprule_unique")
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.network}"


def _working_days() -> list[int]:
    return [0, 1, 2, 3, 4]


class LoginSchedule(models.Model):
    """The hours in which a user, or everyone with a role, may sign in (6.5.33).

    A user's own schedule wins over their role's; without either, sign-in is not restricted.
    Times are wall-clock times in America/Sao_Paulo; an end before the start is a night shift.
    """

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        verbose_name=_("usuário"),
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="login_schedule",
    )
    role = models.CharField(_("papel"), max_length=32, blank=True)
    start_time = models.TimeField(_("início do expediente"), default=time(8, 0))
    end_time = models.TimeField(_("fim do expediente"), default=time(18, 0))
    weekdays = models.JSONField(_("dias da semana"), default=_working_days)
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        verbose_name = _("horário de acesso")
        verbose_name_plural = _("horários de acesso")
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(user__isnull=False) & models.Q(role=""))
                | (models.Q(user__isnull=True) & ~models.Q(role="")),
                name="security_loginschedule_user_xor_role",
            ),
            models.UniqueConstraint(
                fields=["role"],
                condition=~models.Q(role=""),
                name="security_loginschedule_role_unique",
            ),
        ]

    def __str__(self) -> str:
        who = self.user.email if self.user_id and self.user else self.role
        return f"{who}: {self.start_time:%H:%M}-{self.end_time:%H:%M}"

"""What happens at the door: the access log, login blocks and password history."""

from __future__ import annotations

from datetime import datetime

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AccessEventKind(models.TextChoices):
    LOGIN = "entrada", _("Entrada")
    LOGOUT = "saida", _("Saída")
    FAILURE = "falha", _("Falha de login")
    LOCKOUT = "bloqueio", _("Bloqueio por tentativas")
    REFUSED = "recusada", _("Entrada recusada")
    OTP_FAILURE = "falha_2fa", _("Código 2FA incorreto")
    OTP_SUCCESS = "2fa", _("Verificação 2FA")
    IDLE_LOGOUT = "inatividade", _("Saída por inatividade")


class AccessEvent(models.Model):
    """One sign-in, sign-out or failure, with who, from where and on which device (6.2.17)."""

    occurred_at = models.DateTimeField(_("data e hora"), default=timezone.now, db_index=True)
    kind = models.CharField(
        _("evento"), max_length=16, choices=AccessEventKind.choices, db_index=True
    )
    user_id = models.BigIntegerField(_("id do usuário"), null=True, blank=True, db_index=True)
    username = models.CharField(_("usuário"), max_length=254, blank=True, db_index=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("agente do navegador"), max_length=300, blank=True)
    browser = models.CharField(_("navegador"), max_length=100, blank=True)
    operating_system = models.CharField(_("sistema operacional"), max_length=100, blank=True)
    device = models.CharField(_("dispositivo"), max_length=100, blank=True)
    detail = models.CharField(_("detalhe"), max_length=200, blank=True)

    class Meta:
        verbose_name = _("registro de acesso")
        verbose_name_plural = _("registros de acesso")
        ordering = ["-occurred_at", "-id"]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.username} {self.kind}"


class BlockKind(models.TextChoices):
    USER = "usuario", _("Usuário")
    IP = "ip", _("Endereço IP")


class LoginBlock(models.Model):
    """A user or an IP address that may not sign in (6.5.23.5, 6.5.23.8).

    Created by the lockout after repeated failures, or by an admin (permanent). Active while not
    released and not expired; `expires_at` empty means until an admin unblocks.
    """

    kind = models.CharField(_("tipo"), max_length=8, choices=BlockKind.choices)
    value = models.CharField(_("usuário ou IP"), max_length=254)
    permanent = models.BooleanField(_("permanente"), default=False)
    reason = models.CharField(_("motivo"), max_length=200, blank=True)
    created_at = models.DateTimeField(_("bloqueado em"), default=timezone.now)
    created_by = models.CharField(_("bloqueado por"), max_length=254, blank=True)
    expires_at = models.DateTimeField(_("bloqueado até"), null=True, blank=True)
    released_at = models.DateTimeField(_("desbloqueado em"), null=True, blank=True)
    released_by = models.CharField(_("desbloqueado por"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("bloqueio de acesso")
        verbose_name_plural = _("bloqueios de acesso")
        ordering = ["-created_at"]
        indexes = [models.Index(fields=["kind", "value"])]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} {self.value}"

    def is_active(self, at: datetime | None = None) -> bool:
        now = at or timezone.now()
        return self.released_at is None and (self.expires_at is None or self.expires_at > now)


class PasswordHistory(models.Model):
    """Hashes of a user's previous passwords, for the history rule and expiry (6.5.23.4)."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="password_history"
    )
    password_hash = models.CharField(max_length=256)
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        verbose_name = _("senha anterior")
        verbose_name_plural = _("senhas anteriores")
        indexes = [models.Index(fields=["user", "-created_at"])]

    def __str__(self) -> str:
        return f"{self.user_id} {self.created_at:%Y-%m-%d}"

"""Web Push subscriptions of the tenant's users (RFC 8030): one row per browser or phone that
accepted notifications. The keys are the browser's (RFC 8291): the public ECDH key `p256dh` and
the `auth` secret, both base64url as `PushSubscription.toJSON()` gives them."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils.translation import gettext_lazy as _


class PushSubscription(models.Model):
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="push_subscriptions"
    )
    endpoint = models.URLField(_("endereço do serviço de push"), max_length=1000, unique=True)
    p256dh = models.CharField(_("chave pública do navegador"), max_length=120)
    auth = models.CharField(_("segredo de autenticação"), max_length=40)
    user_agent = models.CharField(_("navegador"), max_length=300, blank=True)
    created_at = models.DateTimeField(_("criada em"))
    last_sent_at = models.DateTimeField(_("último envio"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscrição de notificações push")
        verbose_name_plural = _("inscrições de notificações push")
        indexes = [models.Index(fields=["user"], name="push_subscription_user")]

    def __str__(self) -> str:
        return f"push #{self.pk}"

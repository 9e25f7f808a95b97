"""Who is told about incidents and maintenance: confirmed e-mail addresses and webhooks."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class SubscriptionKind(models.TextChoices):
    EMAIL = "email", _("E-mail")
    WEBHOOK = "webhook", _("Webhook")


class StatusSubscription(models.Model):
    """An e-mail (active once its owner confirms the link: double opt-in) or a webhook URL
    (active once it answered the signed verification ping with 2xx)."""

    kind = models.CharField(_("tipo"), max_length=8, choices=SubscriptionKind.choices)
    email = models.EmailField(_("e-mail"), blank=True)
    url = models.URLField(_("endereço do webhook"), max_length=500, blank=True)
    # The HMAC key is needed in clear to sign each delivery; it is shown once to the subscriber.
    secret = models.CharField(max_length=64, blank=True)
    created_at = models.DateTimeField(_("criada em"), auto_now_add=True)
    confirmation_sent_at = models.DateTimeField(null=True, blank=True)
    confirmed_at = models.DateTimeField(_("confirmada em"), null=True, blank=True)
    consecutive_failures = models.PositiveIntegerField(default=0)
    disabled_at = models.DateTimeField(_("desativada em"), null=True, blank=True)

    class Meta:
        verbose_name = _("inscrição na página de status")
        verbose_name_plural = _("inscrições na página de status")
        constraints = [
            models.UniqueConstraint(
                fields=["email"], condition=Q(kind="email"), name="one_subscription_per_email"
            ),
            models.UniqueConstraint(
                fields=["url"], condition=Q(kind="webhook"), name="one_subscription_per_url"
            ),
        ]

    def __str__(self) -> str:
        return self.email or self.url

    @property
    def is_active(self) -> bool:
        return self.confirmed_at is not None and self.disabled_at is None

"""The internal chat between the tenant's users (6.5.58.10, 6.5.62): agents, supervisors and
everyone else who signs in talk to each other inside the platform, at no cost per message
(nothing goes through a messaging provider)."""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

MAX_CHAT_TEXT = 2000


class InternalMessage(models.Model):
    sender = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="internal_messages_sent",
        verbose_name=_("de"),
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        related_name="internal_messages_received",
        verbose_name=_("para"),
    )
    text = models.TextField(_("mensagem"), max_length=MAX_CHAT_TEXT)
    created_at = models.DateTimeField(_("enviada em"), default=timezone.now)
    read_at = models.DateTimeField(_("lida em"), null=True, blank=True)

    class Meta:
        verbose_name = _("mensagem do chat interno")
        verbose_name_plural = _("mensagens do chat interno")
        ordering = ["created_at", "id"]
        indexes = [
            models.Index(fields=["sender", "recipient", "created_at"], name="chat_pair_time"),
            models.Index(
                fields=["recipient"],
                condition=models.Q(read_at__isnull=True),
                name="chat_unread",
            ),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(sender=models.F("recipient")), name="chat_not_to_self"
            )
        ]

    def __str__(self) -> str:
        return f"chat {self.sender_id} -> {self.recipient_id} @ {self.created_at.isoformat()}"

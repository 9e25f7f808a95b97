from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Outbox(models.Model):
    """The send order of one outbound message (docs/adr/0040-message-pipeline.md).

    A worker claims the row with a lease (`locked_until`, `lease_token`) before calling the
    provider, so two workers never send the same message; a crashed worker's lease expires and
    the beat task hands the row to another. `done_at` is set in the same transaction that
    stores the provider's message id (or the permanent failure).
    """

    message = models.OneToOneField("desk.Message", on_delete=models.CASCADE, related_name="outbox")
    attempts = models.PositiveIntegerField(_("tentativas"), default=0)
    next_attempt_at = models.DateTimeField(_("próxima tentativa"))
    locked_until = models.DateTimeField(null=True, blank=True)
    lease_token = models.UUIDField(null=True, blank=True)
    last_error = models.TextField(_("último erro"), blank=True, default="")
    created_at = models.DateTimeField(_("criado em"))
    done_at = models.DateTimeField(_("concluído em"), null=True, blank=True)

    class Meta:
        verbose_name = _("envio pendente")
        verbose_name_plural = _("envios pendentes")
        indexes = [
            models.Index(
                fields=["next_attempt_at"],
                name="outbox_due",
                condition=Q(done_at__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"outbox {self.pk} (message {self.message_id})"

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

OPEN_STATUSES = ("queued", "open")


class ConversationStatus(models.TextChoices):
    QUEUED = "queued", _("Na fila")
    OPEN = "open", _("Em atendimento")
    CLOSED = "closed", _("Encerrado")


class Conversation(models.Model):
    """An atendimento: one contact on one channel, from first message to closing.

    `protocol` (6.5.30) is generated when the conversation opens: the Sao Paulo date and the
    conversation's own id, `YYYYMMDD-NNNNNN`. At most one conversation per identity is queued
    or open at a time (partial unique index); a message after closing opens a new one.
    """

    contact = models.ForeignKey(
        "desk.Contact", on_delete=models.PROTECT, related_name="conversations"
    )
    identity = models.ForeignKey(
        "desk.ContactIdentity", on_delete=models.PROTECT, related_name="conversations"
    )
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="conversations"
    )
    team = models.ForeignKey(
        "desk.Team",
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="conversations",
    )
    protocol = models.CharField(_("protocolo"), max_length=32, unique=True)
    status = models.CharField(
        _("situação"),
        max_length=8,
        choices=ConversationStatus.choices,
        default=ConversationStatus.QUEUED,
    )
    opened_at = models.DateTimeField(_("aberto em"))
    closed_at = models.DateTimeField(_("encerrado em"), null=True, blank=True)
    last_message_at = models.DateTimeField(_("última mensagem"))

    class Meta:
        verbose_name = _("atendimento")
        verbose_name_plural = _("atendimentos")
        ordering = ["-last_message_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["identity"],
                condition=Q(status__in=OPEN_STATUSES),
                name="conversation_one_open_per_identity",
            )
        ]
        indexes = [
            models.Index(
                fields=["team", "status", "last_message_at"],
                name="conversation_queue",
                condition=Q(status__in=OPEN_STATUSES),
            ),
            models.Index(fields=["contact", "-opened_at"], name="conversation_contact"),
        ]

    def __str__(self) -> str:
        return self.protocol

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

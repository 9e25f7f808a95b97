from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Direction(models.TextChoices):
    INBOUND = "in", _("Recebida")
    OUTBOUND = "out", _("Enviada")


class MessageKind(models.TextChoices):
    TEXT = "text", _("Texto")
    IMAGE = "image", _("Imagem")
    AUDIO = "audio", _("Áudio")
    VIDEO = "video", _("Vídeo")
    DOCUMENT = "document", _("Documento")
    STICKER = "sticker", _("Figurinha")
    LOCATION = "location", _("Localização")
    CONTACTS = "contacts", _("Contatos")
    INTERACTIVE = "interactive", _("Resposta interativa")
    BUTTON = "button", _("Botão")
    REACTION = "reaction", _("Reação")
    UNSUPPORTED = "unsupported", _("Não suportada")
    TEMPLATE = "template", _("Modelo (template)")


class MessageStatus(models.TextChoices):
    RECEIVED = "received", _("Recebida")
    QUEUED = "queued", _("Na fila de envio")
    SENT = "sent", _("Enviada")
    DELIVERED = "delivered", _("Entregue")
    READ = "read", _("Lida")
    FAILED = "failed", _("Falhou")


class Origin(models.TextChoices):
    CONTACT = "contact", _("Cidadão")
    AGENT = "agent", _("Atendente")
    ADMIN = "admin", _("Administrador")
    SYSTEM = "system", _("Sistema")
    BOT = "bot", _("Robô")


class BillingKind(models.TextChoices):
    """6.6.3: session messages (inbound, or replies within 24 h) and template messages."""

    SESSION = "session", _("Sessão")
    TEMPLATE = "template", _("Modelo")


class Message(models.Model):
    conversation = models.ForeignKey(
        "desk.Conversation", on_delete=models.CASCADE, related_name="messages"
    )
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="messages"
    )
    direction = models.CharField(_("direção"), max_length=3, choices=Direction.choices)
    kind = models.CharField(_("tipo"), max_length=12, choices=MessageKind.choices)
    text = models.TextField(_("texto"), blank=True, default="")
    # Structured content by kind: location, shared contacts, interactive reply, reaction,
    # template (name, language, components), the provider's media reference.
    payload = models.JSONField(default=dict, blank=True)
    media = models.ForeignKey(
        "desk.MediaFile", on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    media_status = models.CharField(max_length=8, blank=True, default="")
    # The provider's id: the idempotency key of inbound messages; set on outbound ones when
    # the provider accepts them.
    provider_message_id = models.CharField(max_length=255, null=True, blank=True)  # noqa: DJ001
    reply_to_provider_id = models.CharField(max_length=255, blank=True, default="")
    status = models.CharField(_("situação"), max_length=10, choices=MessageStatus.choices)
    accepted_at = models.DateTimeField(_("aceita pelo provedor em"), null=True, blank=True)
    sent_at = models.DateTimeField(_("enviada em"), null=True, blank=True)
    delivered_at = models.DateTimeField(_("entregue em"), null=True, blank=True)
    read_at = models.DateTimeField(_("lida em"), null=True, blank=True)
    failed_at = models.DateTimeField(_("falhou em"), null=True, blank=True)
    error_code = models.CharField(_("código do erro"), max_length=64, blank=True, default="")
    error_title = models.CharField(_("erro"), max_length=255, blank=True, default="")
    error_detail = models.TextField(_("detalhe do erro"), blank=True, default="")
    # What the agent is shown, in their language; the provider's own words stay above.
    error_message = models.CharField(_("mensagem de erro"), max_length=500, blank=True, default="")
    pricing = models.JSONField(_("tarifação do provedor"), null=True, blank=True)
    sender_contact = models.ForeignKey(
        "desk.Contact", on_delete=models.SET_NULL, null=True, blank=True, related_name="+"
    )
    sender_user_id = models.BigIntegerField(null=True, blank=True)
    sender_name = models.CharField(_("remetente"), max_length=200, blank=True, default="")
    origin = models.CharField(_("origem"), max_length=8, choices=Origin.choices)
    billing_kind = models.CharField(
        _("tipo para cobrança"), max_length=8, choices=BillingKind.choices, blank=True, default=""
    )
    template_name = models.CharField(_("modelo"), max_length=512, blank=True, default="")
    provider_timestamp = models.DateTimeField(null=True, blank=True)
    inbox_event_id = models.BigIntegerField(null=True, blank=True)
    created_at = models.DateTimeField(_("criada em"))

    class Meta:
        verbose_name = _("mensagem")
        verbose_name_plural = _("mensagens")
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id"],
                condition=Q(provider_message_id__isnull=False),
                name="message_provider_id_per_channel",
            )
        ]
        indexes = [models.Index(fields=["conversation", "created_at"], name="message_timeline")]

    def __str__(self) -> str:
        return f"{self.direction} {self.kind} #{self.pk}"


class MessageEvent(models.Model):
    """A delivery status the provider reported, kept as history whatever order it came in.

    `message` is empty while the status is an orphan: it arrived before the outbox stored the
    provider's id (the webhook can beat our commit). Storing the id adopts its orphans.
    """

    message = models.ForeignKey(
        Message, on_delete=models.CASCADE, null=True, blank=True, related_name="events"
    )
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    provider_message_id = models.CharField(max_length=255)
    status = models.CharField(max_length=10, choices=MessageStatus.choices)
    occurred_at = models.DateTimeField()
    recorded_at = models.DateTimeField()
    error_code = models.CharField(max_length=64, blank=True, default="")
    error_title = models.CharField(max_length=255, blank=True, default="")
    error_detail = models.TextField(blank=True, default="")
    pricing = models.JSONField(null=True, blank=True)
    # False when the status arrived but did not move the message (an older status, or an
    # orphan not yet adopted).
    applied = models.BooleanField(default=False)

    class Meta:
        verbose_name = _("evento de entrega")
        verbose_name_plural = _("eventos de entrega")
        ordering = ["occurred_at", "id"]
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "provider_message_id", "status"], name="message_event_once"
            )
        ]
        indexes = [
            models.Index(
                fields=["channel", "provider_message_id"],
                name="message_event_orphans",
                condition=Q(message__isnull=True),
            )
        ]

    def __str__(self) -> str:
        return f"{self.provider_message_id} {self.status}"

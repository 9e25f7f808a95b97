"""Public-schema tables of the webhook intake.

`RoutingEntry` maps a provider account to its tenant and channel and holds the one secret the
intake needs to verify a webhook, so verification never enters a tenant schema. `InboxEvent` is
the raw event inbox: every verified webhook body, stored once per (provider, event key) before
anything else happens. `RejectedWebhook` counts refused deliveries (no bodies are kept).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from security.fields import EncryptedTextField


class RoutingEntry(models.Model):
    provider = models.CharField(_("provedor"), max_length=16)
    account_id = models.CharField(_("identificador da conta"), max_length=128)
    # A second routing key for events that do not name the account (WhatsApp events about the
    # business account, such as template status updates, carry only the WABA id).
    secondary_account_id = models.CharField(max_length=128, blank=True, default="", db_index=True)
    tenant = models.ForeignKey(
        "tenants.Tenant", on_delete=models.CASCADE, related_name="routing_entries"
    )
    channel_id = models.BigIntegerField(_("canal"))
    # WhatsApp app secret / Telegram webhook secret token / WebChat signing key.
    verification_secret = EncryptedTextField(_("segredo de verificação"))
    # WhatsApp's GET handshake names no account: it is matched by a keyed hash of the verify
    # token (security.crypto.BlindIndex), so the token itself stays encrypted.
    verify_token_index = models.CharField(max_length=64, blank=True, default="", db_index=True)
    # Encrypted too, so the handshake can compare in constant time after the index matched.
    verify_token = EncryptedTextField(blank=True, default="")
    allowed_origins = models.JSONField(default=list, blank=True)
    is_active = models.BooleanField(default=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        verbose_name = _("rota de webhook")
        verbose_name_plural = _("rotas de webhook")
        constraints = [
            models.UniqueConstraint(fields=["provider", "account_id"], name="routing_account")
        ]

    def __str__(self) -> str:
        return f"{self.provider}:{self.account_id}"


class InboxStatus(models.TextChoices):
    RECEIVED = "received", _("Recebido")
    PROCESSED = "processed", _("Processado")
    FAILED = "failed", _("Falhou")
    UNKNOWN = "unknown", _("Tipo desconhecido")


class InboxEvent(models.Model):
    provider = models.CharField(max_length=16)
    event_key = models.CharField(max_length=255)
    tenant = models.ForeignKey("tenants.Tenant", on_delete=models.CASCADE, related_name="+")
    channel_id = models.BigIntegerField()
    account_id = models.CharField(max_length=128)
    body = models.BinaryField()
    headers = models.JSONField(default=dict)
    remote_ip = models.GenericIPAddressField(null=True, blank=True)
    received_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(
        max_length=10, choices=InboxStatus.choices, default=InboxStatus.RECEIVED
    )
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_error = models.TextField(blank=True, default="")
    # Event types the adapter did not map (kept for support; the body holds the detail).
    unknown_types = models.JSONField(default=list, blank=True)
    processed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        verbose_name = _("evento recebido")
        verbose_name_plural = _("eventos recebidos")
        constraints = [
            models.UniqueConstraint(fields=["provider", "event_key"], name="inbox_event_key")
        ]
        indexes = [
            # The sweeper's work list: events not yet processed.
            models.Index(
                fields=["status", "received_at"],
                name="inbox_pending",
                condition=Q(status__in=["received", "failed"]),
            ),
            models.Index(fields=["received_at"], name="inbox_received_at"),
        ]

    def __str__(self) -> str:
        return f"{self.provider} {self.event_key} ({self.status})"


class RejectedWebhook(models.Model):
    """Refused webhook deliveries, counted per day, provider, account and reason.

    A counter rather than a row per request: a flood of forged requests must not grow a table
    without bound. The body is never kept.
    """

    day = models.DateField()
    provider = models.CharField(max_length=16)
    account_id = models.CharField(max_length=128, blank=True, default="")
    reason = models.CharField(max_length=32)
    count = models.PositiveIntegerField(default=0)
    last_at = models.DateTimeField()
    last_ip = models.GenericIPAddressField(null=True, blank=True)

    class Meta:
        verbose_name = _("webhook recusado")
        verbose_name_plural = _("webhooks recusados")
        constraints = [
            models.UniqueConstraint(
                fields=["day", "provider", "account_id", "reason"], name="rejected_webhook_day"
            )
        ]

    def __str__(self) -> str:
        return f"{self.day} {self.provider}:{self.account_id} {self.reason} x{self.count}"

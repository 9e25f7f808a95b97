from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class Contact(models.Model):
    """A citizen. Never logs in; known to us through one or more channel identities."""

    name = models.CharField(_("nome"), max_length=200, blank=True, default="")
    phone = models.CharField(_("telefone (E.164)"), max_length=20, blank=True, default="")
    email = models.EmailField(_("e-mail"), blank=True, default="")
    created_at = models.DateTimeField(_("criado em"))
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("contato")
        verbose_name_plural = _("contatos")
        ordering = ["name", "id"]
        indexes = [models.Index(fields=["phone"], name="contact_phone")]

    def __str__(self) -> str:
        return self.name or self.phone or f"#{self.pk}"


class ContactIdentity(models.Model):
    """How a contact is addressed on one channel: WhatsApp wa_id, Telegram chat id, WebChat
    visitor id. `last_inbound_at` anchors the 24-hour session window (6.6.3.5, 6.6.3.6)."""

    contact = models.ForeignKey(Contact, on_delete=models.CASCADE, related_name="identities")
    channel = models.ForeignKey(
        "channels.Channel", on_delete=models.PROTECT, related_name="identities"
    )
    external_id = models.CharField(_("identificador no canal"), max_length=128)
    display_name = models.CharField(_("nome no canal"), max_length=200, blank=True, default="")
    last_inbound_at = models.DateTimeField(_("última mensagem recebida"), null=True, blank=True)
    created_at = models.DateTimeField(_("criado em"))

    class Meta:
        verbose_name = _("identidade do contato")
        verbose_name_plural = _("identidades do contato")
        constraints = [
            models.UniqueConstraint(
                fields=["channel", "external_id"], name="identity_channel_external"
            )
        ]

    def __str__(self) -> str:
        return f"{self.channel_id}:{self.external_id}"

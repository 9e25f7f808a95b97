"""Consent per contact and channel, its history, the tenant's keywords, and the contact's
encrypted personal data (LGPD; 6.5.23.12, 6.5.23.16, 6.5.40)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _

from security.crypto import BlindIndex
from security.fields import EncryptedTextField

DEFAULT_OPT_OUT_KEYWORDS = ["SAIR", "PARAR", "CANCELAR"]
DEFAULT_OPT_IN_KEYWORDS = ["VOLTAR", "ACEITO"]


class ConsentStatus(models.TextChoices):
    OPT_IN = "opt_in", _("Aceita receber")
    OPT_OUT = "opt_out", _("Não aceita receber")


class ConsentMethod(models.TextChoices):
    KEYWORD = "keyword", _("Palavra-chave enviada pelo cidadão")
    ADMIN = "admin", _("Alteração manual por administrador")
    API = "api", _("API")
    IMPORT = "import", _("Importação")


class ConsentKeywords(models.Model):
    """The words a citizen sends to leave or rejoin; one row per tenant schema."""

    SINGLETON_ID = 1

    opt_out_keywords = models.JSONField(_("palavras para sair"), default=list)
    opt_in_keywords = models.JSONField(_("palavras para voltar"), default=list)
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("palavras-chave de consentimento")
        verbose_name_plural = _("palavras-chave de consentimento")

    def __str__(self) -> str:
        return "consent keywords"


class ConsentState(models.Model):
    """The current answer of one contact on one channel; absent means never asked (allowed)."""

    contact = models.ForeignKey("desk.Contact", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("situação"), max_length=8, choices=ConsentStatus.choices)
    updated_at = models.DateTimeField(_("atualizado em"))

    class Meta:
        verbose_name = _("consentimento")
        verbose_name_plural = _("consentimentos")
        constraints = [
            models.UniqueConstraint(fields=["contact", "channel"], name="consent_contact_channel")
        ]

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.channel_id}:{self.status}"


class ConsentEvent(models.Model):
    """One change of consent, kept forever: when, how and by whom."""

    contact = models.ForeignKey("desk.Contact", on_delete=models.CASCADE, related_name="+")
    channel = models.ForeignKey("channels.Channel", on_delete=models.CASCADE, related_name="+")
    status = models.CharField(_("situação"), max_length=8, choices=ConsentStatus.choices)
    method = models.CharField(_("meio"), max_length=8, choices=ConsentMethod.choices)
    actor_user_id = models.BigIntegerField(null=True, blank=True)
    actor_label = models.CharField(_("responsável"), max_length=254)
    keyword = models.CharField(_("palavra-chave"), max_length=64, blank=True, default="")
    note = models.CharField(_("observação"), max_length=500, blank=True, default="")
    occurred_at = models.DateTimeField(_("quando"))

    class Meta:
        verbose_name = _("evento de consentimento")
        verbose_name_plural = _("eventos de consentimento")
        ordering = ["occurred_at", "id"]
        indexes = [models.Index(fields=["contact", "occurred_at"], name="consent_event_contact")]

    def __str__(self) -> str:
        return f"{self.contact_id}:{self.channel_id}:{self.status}@{self.occurred_at}"


def _cpf_digits(value: str) -> str:
    return "".join(ch for ch in value if ch.isdigit())


CPF_INDEX = BlindIndex("contact-cpf", normalize=_cpf_digits)


class ContactPersonalData(models.Model):
    """Documents of a contact, encrypted at rest; found by CPF through `cpf_index` only."""

    contact = models.OneToOneField(
        "desk.Contact", on_delete=models.CASCADE, related_name="personal_data"
    )
    cpf = EncryptedTextField(_("CPF"), blank=True, default="")
    cpf_index = models.CharField(
        max_length=BlindIndex.length, blank=True, default="", db_index=True
    )
    updated_at = models.DateTimeField(_("atualizado em"), auto_now=True)

    class Meta:
        verbose_name = _("dados pessoais do contato")
        verbose_name_plural = _("dados pessoais dos contatos")

    def __str__(self) -> str:
        return f"personal data of {self.contact_id}"


class AnonymizationRecord(models.Model):
    """That a contact was anonymized on request, and when; holds no personal data."""

    contact = models.OneToOneField(
        "desk.Contact", on_delete=models.CASCADE, related_name="anonymization"
    )
    requested_by = models.CharField(_("solicitado por"), max_length=254)
    messages_cleared = models.PositiveIntegerField(default=0)
    media_deleted = models.PositiveIntegerField(default=0)
    occurred_at = models.DateTimeField(_("quando"))

    class Meta:
        verbose_name = _("anonimização")
        verbose_name_plural = _("anonimizações")

    def __str__(self) -> str:
        return f"anonymized {self.contact_id}"

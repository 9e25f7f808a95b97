from __future__ import annotations

from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class AuditEntry(models.Model):
    """One state change made by a person, a token or the system (6.2.18, 6.5.23.15).

    Entries form a hash chain: `entry_hash` covers this entry's content and the previous
    entry's hash, so editing or deleting a row breaks verification (`manage.py audit_verify`).
    """

    occurred_at = models.DateTimeField(_("data e hora"), default=timezone.now, db_index=True)
    actor_id = models.BigIntegerField(_("id do usuário"), null=True, blank=True)
    actor_label = models.CharField(_("usuário"), max_length=254)
    via = models.CharField(_("origem"), max_length=16)
    action = models.CharField(_("ação"), max_length=64, db_index=True)
    object_type = models.CharField(_("tipo de objeto"), max_length=64, blank=True)
    object_id = models.CharField(_("id do objeto"), max_length=64, blank=True)
    object_repr = models.CharField(_("objeto"), max_length=200, blank=True)
    before = models.JSONField(_("antes"), null=True, blank=True)
    after = models.JSONField(_("depois"), null=True, blank=True)
    ip = models.GenericIPAddressField(_("IP"), null=True, blank=True)
    user_agent = models.CharField(_("dispositivo"), max_length=300, blank=True)
    request_id = models.CharField(max_length=64, blank=True)
    token_prefix = models.CharField(max_length=12, blank=True)
    previous_hash = models.CharField(max_length=64)
    entry_hash = models.CharField(max_length=64, unique=True)

    class Meta:
        verbose_name = _("registro de auditoria")
        verbose_name_plural = _("registros de auditoria")
        ordering = ["id"]
        indexes = [models.Index(fields=["object_type", "object_id"])]

    def __str__(self) -> str:
        return f"{self.occurred_at:%Y-%m-%d %H:%M} {self.actor_label} {self.action}"

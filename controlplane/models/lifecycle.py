"""The end of a client's contract: read-only access for at least 30 days, then archive
(REQ 6.2.15)."""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class ContractClosure(models.Model):
    tenant = models.OneToOneField(
        "tenants.Tenant", on_delete=models.PROTECT, related_name="contract_closure"
    )
    read_only_since = models.DateTimeField(_("somente leitura desde"))
    read_only_until = models.DateTimeField(_("somente leitura até pelo menos"))
    # What a citizen who writes to the client's channels is answered with (the message is kept
    # out of any queue): the pipeline reads it through `tenants.guards.inbound_refusal`.
    inbound_notice = models.TextField(_("aviso aos cidadãos"))
    reason = models.CharField(_("motivo"), max_length=300)
    recorded_by_label = models.CharField(_("registrado por"), max_length=254)
    archived_at = models.DateTimeField(_("arquivado em"), null=True, blank=True)
    archived_by_label = models.CharField(_("arquivado por"), max_length=254, blank=True)

    class Meta:
        verbose_name = _("encerramento de contrato")
        verbose_name_plural = _("encerramentos de contrato")

    def __str__(self) -> str:
        return str(self.tenant)

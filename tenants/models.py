from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _
from django_tenants.models import DomainMixin, TenantMixin


class TenantStatus(models.TextChoices):
    ACTIVE = "active", _("Ativo")
    SUSPENDED = "suspended", _("Suspenso")
    READ_ONLY = "read_only", _("Somente leitura (contrato encerrado)")
    ARCHIVED = "archived", _("Arquivado")


class Tenant(TenantMixin):
    """A government client (municipality), served from its own PostgreSQL schema.

    The public schema has one row too (schema "public", the control plane) with no CNPJ.
    """

    name = models.CharField(_("razão social"), max_length=200)
    slug = models.SlugField(_("identificador"), max_length=40, unique=True)
    cnpj = models.CharField(_("CNPJ"), max_length=14, unique=True, null=True, blank=True)
    status = models.CharField(
        _("situação"), max_length=16, choices=TenantStatus.choices, default=TenantStatus.ACTIVE
    )
    contract_start = models.DateField(_("início do contrato"), null=True, blank=True)
    contract_end = models.DateField(_("fim do contrato"), null=True, blank=True)
    created_at = models.DateTimeField(_("criado em"), auto_now_add=True)

    # Schemas are created by provisioning (clone of the template) and never dropped by a delete:
    # archiving a client is an operator decision with its own procedure (backup first).
    auto_create_schema = True
    auto_drop_schema = False

    class Meta:
        verbose_name = _("cliente")
        verbose_name_plural = _("clientes")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domínio")
        verbose_name_plural = _("domínios")

    def __str__(self) -> str:
        return self.domain

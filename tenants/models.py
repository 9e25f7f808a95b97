from __future__ import annotations

from typing import Any

from django.db import connection, models
from django.utils.translation import gettext_lazy as _
from django_tenants.clone import CloneSchema
from django_tenants.models import DomainMixin, TenantMixin
from django_tenants.utils import get_creation_fakes_migrations, schema_exists


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

    def create_schema(
        self, check_if_exists: bool = False, sync_schema: bool = True, verbosity: int = 1
    ) -> Any:
        """Clones the template without re-recording its migrations.

        The clone copies the template's data, its `django_migrations` rows included, and
        provisioning has checked that the template is current (tenants.schemas.template_check),
        so django-tenants' extra `migrate_schemas --fake` run would only add time.
        """
        base_schema = self.get_base_schema() if get_creation_fakes_migrations() else False
        if not (sync_schema and base_schema and schema_exists(base_schema)):
            return super().create_schema(check_if_exists, sync_schema, verbosity)
        if check_if_exists and schema_exists(self.schema_name):
            return False
        connection.set_schema_to_public()  # type: ignore[attr-defined]  # django-tenants
        clone_function_ensure()
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT clone_schema(%s, %s, %s)", [base_schema, self.schema_name, self.clone_mode]
            )
        return True


def clone_function_ensure(*, replace: bool = False) -> None:
    """Installs django-tenants' `clone_schema` SQL function once (migrate_all refreshes it)."""
    with connection.cursor() as cursor:
        cursor.execute("SELECT 1 FROM pg_proc WHERE proname = 'clone_schema'")
        present = cursor.fetchone() is not None
    if replace or not present:
        CloneSchema()._create_clone_schema_function()


class Domain(DomainMixin):
    class Meta:
        verbose_name = _("domínio")
        verbose_name_plural = _("domínios")

    def __str__(self) -> str:
        return self.domain

"""Onboarding a government client: its own schema, domain and first administrator, all or nothing."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.errors import AccountError
from accounts.roles import Role
from accounts.services import InvitationLink, roles_sync, user_invite
from core.validators import normalize_cnpj
from security.actors import Actor
from security.audit import audit_record
from tenants.errors import ProvisioningError
from tenants.models import Domain, Tenant
from tenants.schemas import template_check

_SLUG = re.compile(r"^[a-z][a-z0-9-]{1,38}[a-z0-9]$")
RESERVED_SLUGS = frozenset(
    {
        "www",
        "api",
        "admin",
        "status",
        "public",
        "template",
        "static",
        "media",
        "mail",
        "smtp",
        "app",
        "console",
        "controle",
        "painel",
        "suporte",
        "pg",
        "information-schema",
    }
)


@dataclass(frozen=True)
class ProvisionResult:
    tenant: Tenant
    domain: Domain
    invitation: InvitationLink


def tenant_domain_for(slug: str) -> str:
    return f"{slug}.{settings.BASE_DOMAIN}"


def schema_name_for(slug: str) -> str:
    return slug.replace("-", "_")


def _clean_slug(slug: str) -> str:
    slug = (slug or "").strip().lower()
    if not _SLUG.match(slug) or "--" in slug:
        raise ProvisioningError(
            _(
                "Identificador inválido: use de 3 a 40 letras minúsculas, números e hífens, "
                "começando por letra."
            ),
            field="slug",
        )
    if slug in RESERVED_SLUGS or slug.startswith("pg-"):
        raise ProvisioningError(_("Este identificador é reservado."), field="slug")
    return slug


def tenant_provision(
    *,
    actor: Actor,
    name: str,
    cnpj: str,
    slug: str,
    contract_start: date,
    contract_end: date,
    admin_name: str,
    admin_email: str,
) -> ProvisionResult:
    """Creates the tenant's schema by cloning the template, its domain and first admin.

    PostgreSQL DDL is transactional, so one transaction covers the schema, the rows and the
    invitation: any failure leaves nothing behind. The invitation e-mail is queued on commit.
    """
    name = (name or "").strip()
    if not name:
        raise ProvisioningError(_("Informe a razão social."), field="name")
    try:
        cnpj_digits = normalize_cnpj(cnpj)
    except ValidationError as error:
        raise ProvisioningError(error.messages[0], field="cnpj") from error
    slug = _clean_slug(slug)
    if contract_end <= contract_start:
        raise ProvisioningError(
            _("O fim do contrato deve ser posterior ao início."), field="contract_end"
        )
    if Tenant.objects.filter(slug=slug).exists():
        raise ProvisioningError(_("Já existe um cliente com este identificador."), field="slug")
    if Tenant.objects.filter(cnpj=cnpj_digits).exists():
        raise ProvisioningError(_("Já existe um cliente com este CNPJ."), field="cnpj")
    template_check()

    domain_name = tenant_domain_for(slug)
    try:
        with transaction.atomic():
            tenant = Tenant(
                schema_name=schema_name_for(slug),
                name=name,
                slug=slug,
                cnpj=cnpj_digits,
                contract_start=contract_start,
                contract_end=contract_end,
            )
            tenant.save(verbosity=0)
            domain = Domain.objects.create(domain=domain_name, tenant=tenant, is_primary=True)
            audit_record(
                actor=actor,
                action="tenant.provision",
                target=tenant,
                after={
                    "name": name,
                    "cnpj": cnpj_digits,
                    "slug": slug,
                    "domain": domain_name,
                    "contract_start": contract_start,
                    "contract_end": contract_end,
                    "admin_email": admin_email,
                },
            )
            with schema_context(tenant.schema_name):
                roles_sync()
                invitation = user_invite(
                    actor=actor,
                    email=admin_email,
                    full_name=admin_name,
                    role=Role.ADMIN,
                    host=domain_name,
                )
    except AccountError as error:
        field = {"email": "admin_email", "full_name": "admin_name"}.get(error.field or "")
        raise ProvisioningError(error.message, field=field) from error
    except IntegrityError as error:
        # A concurrent onboarding took the slug or CNPJ between the checks and the insert.
        raise ProvisioningError(
            _("Já existe um cliente com este identificador ou CNPJ."), field="slug"
        ) from error
    return ProvisionResult(tenant=tenant, domain=domain, invitation=invitation)


def public_tenant_ensure() -> Tenant:
    """The row for the public schema (control plane), reachable at BASE_DOMAIN (idempotent)."""
    tenant = Tenant.objects.filter(schema_name=settings.PUBLIC_SCHEMA_NAME).first()
    if tenant is None:
        tenant = Tenant(schema_name=settings.PUBLIC_SCHEMA_NAME, name="Provedor", slug="provedor")
        tenant.save(verbosity=0)
    Domain.objects.get_or_create(
        domain=settings.BASE_DOMAIN, defaults={"tenant": tenant, "is_primary": True}
    )
    return tenant

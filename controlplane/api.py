from __future__ import annotations

from datetime import date, datetime

from django.http import HttpRequest
from django.shortcuts import get_object_or_404
from ninja import Router, Schema, Status
from pydantic import EmailStr

from controlplane.selectors import tenant_list_all_tenants
from core.api import ErrorOut, require_operator
from security.actors import Actor
from tenants.models import Tenant
from tenants.services import tenant_provision

router = Router(tags=["clientes"])


class TenantOut(Schema):
    slug: str
    name: str
    cnpj: str | None
    schema_name: str
    status: str
    domain: str | None
    contract_start: date | None
    contract_end: date | None
    created_at: datetime

    @staticmethod
    def resolve_domain(tenant: Tenant) -> str | None:
        primary = next((d for d in tenant.domains.all() if d.is_primary), None)
        return primary.domain if primary else None


class TenantIn(Schema):
    name: str
    cnpj: str
    slug: str
    contract_start: date
    contract_end: date
    admin_name: str
    admin_email: EmailStr


@router.get("/tenants", response=list[TenantOut], summary="Listar clientes")
def list_tenants(request: HttpRequest) -> list[Tenant]:
    require_operator(request)
    return list(tenant_list_all_tenants())


@router.get("/tenants/{slug}", response={200: TenantOut, 404: ErrorOut}, summary="Ler cliente")
def get_tenant(request: HttpRequest, slug: str) -> Tenant:
    require_operator(request)
    return get_object_or_404(tenant_list_all_tenants(), slug=slug)


@router.post(
    "/tenants", response={201: TenantOut, 400: ErrorOut}, summary="Cadastrar cliente (onboarding)"
)
def create_tenant(request: HttpRequest, payload: TenantIn) -> Status[Tenant]:
    """Creates the client's schema, domain and first administrator, who receives an invitation
    e-mail to set their own password. All or nothing."""
    require_operator(request)
    result = tenant_provision(actor=Actor.from_request(request, via="api"), **payload.dict())
    return Status(201, tenant_list_all_tenants().get(pk=result.tenant.pk))

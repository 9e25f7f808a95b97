"""The two REST APIs: the tenant's (on <slug>.<domain>) and the provider's (on the public host).
Both publish OpenAPI docs at /api/docs."""

from __future__ import annotations

from django.http import HttpRequest
from ninja import NinjaAPI, Schema

from accounts.api import auth_router
from accounts.api import router as users_router
from analytics.api import router as reports_router
from billing.api import operator_router as billing_operator_router
from billing.api import router as billing_router
from channels.api import router as channels_router
from controlplane.api import router as tenants_router
from controlplane.status_api import router as status_router
from core.api import SessionAuth, TokenAuth, install_error_handlers
from desk.api import router as desk_router
from desk.captured_api import router as captured_data_router
from privacy.api import router as privacy_router
from push.api import router as push_router
from routing.api import router as routing_router
from routing.history_api import router as contact_history_router

TENANT_API_DESCRIPTION = """
API do órgão para integração com sistemas externos (6.5.63).

**Como obter um token (6.5.63.8):** um usuário com papel *administrador* cria um token em
*Configurações > Tokens de API*, ou chama `POST /api/auth/token` com e-mail, senha e um nome
para o token. Envie-o em todas as chamadas no cabeçalho `Authorization: Bearer <token>`.
O token age com o papel do usuário que o criou e pode ser revogado a qualquer momento.
Erros vêm como JSON `{"detail": "...", "field": "..."}` com a mensagem em português.
"""


class HealthOut(Schema):
    status: str


def _health(request: HttpRequest) -> dict[str, str]:
    return {"status": "ok"}


def build_tenant_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Atendimento Digital — API do órgão",
        version="1",
        description=TENANT_API_DESCRIPTION,
        urls_namespace="tenant-api",
        auth=[TokenAuth(), SessionAuth()],
        docs_url="/docs",
    )
    install_error_handlers(api)
    api.get("/health", auth=None, response=HealthOut, tags=["saúde"])(_health)
    api.add_router("/auth", auth_router)
    api.add_router("/billing", billing_router)
    api.add_router("/relatorios", reports_router)
    api.add_router("/", users_router)
    api.add_router("/", desk_router)
    api.add_router("/", captured_data_router)
    api.add_router("/", channels_router)
    api.add_router("/routing", routing_router)
    api.add_router("/", contact_history_router)
    api.add_router("/privacidade", privacy_router)
    api.add_router("/push", push_router)
    return api


def build_public_api() -> NinjaAPI:
    api = NinjaAPI(
        title="Atendimento Digital — API do provedor",
        version="1",
        description="API dos operadores do provedor: cadastro e acompanhamento de clientes.",
        urls_namespace="public-api",
        auth=[TokenAuth(), SessionAuth()],
        docs_url="/docs",
    )
    install_error_handlers(api)
    api.get("/health", auth=None, response=HealthOut, tags=["saúde"])(_health)
    api.add_router("/", tenants_router)
    api.add_router("/billing", billing_operator_router)
    api.add_router("/", status_router)
    return api


tenant_api = build_tenant_api()
public_api = build_public_api()

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.core import mail
from django.test import Client
from django_tenants.utils import schema_exists

from accounts.models import User
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant

pytestmark = pytest.mark.django_db

FORM = {
    "name": "Prefeitura Municipal de Delta",
    "cnpj": "34.028.316/0001-03",
    "slug": "delta",
    "contract_start": "2026-12-01",
    "contract_end": "2028-11-30",
    "admin_name": "Débora Delta",
    "admin_email": "debora@delta.gov.br",
}


@audits_route("public:controlplane:tenant_onboard")
def test_operator_onboards_a_client_on_the_screen(
    operator_client: Client, operator: User, django_capture_on_commit_callbacks: Any
) -> None:
    with django_capture_on_commit_callbacks(execute=True):
        response = operator_client.post("/controle/clientes/novo/", FORM)

    assert response.status_code == 302, response.content.decode()[-3000:]
    assert response["Location"] == "/controle/clientes/delta/"
    assert schema_exists("delta")
    assert mail.outbox[0].to == ["debora@delta.gov.br"]
    detail = operator_client.get("/controle/clientes/delta/").content.decode()
    assert "delta.localhost" in detail
    assert "34028316000103" in detail
    assert AuditEntry.objects.get(action="tenant.provision", after__slug="delta").actor_id == (
        operator.pk
    )


def test_invalid_cnpj_is_shown_on_the_form_and_changes_nothing(operator_client: Client) -> None:
    before = Tenant.objects.count()
    response = operator_client.post(
        "/controle/clientes/novo/", {**FORM, "cnpj": "34.028.316/0001-00"}
    )
    assert response.status_code == 200
    assert "CNPJ inválido" in response.content.decode()
    assert Tenant.objects.count() == before


def test_duplicate_slug_is_shown_on_the_form(operator_client: Client) -> None:
    response = operator_client.post("/controle/clientes/novo/", {**FORM, "slug": "alfa"})
    assert "Já existe um cliente com este identificador" in response.content.decode()


@audits_route("public:POST /api/tenants")
def test_operator_api_creates_and_lists_tenants(operator: User) -> None:
    from accounts.services import api_token_create
    from security.actors import Actor

    token = api_token_create(actor=Actor.command("tests"), user=operator, name="automação").token
    client = Client(HTTP_HOST=settings.BASE_DOMAIN, HTTP_AUTHORIZATION=f"Bearer {token}")

    created = client.post("/api/tenants", FORM, content_type="application/json")
    bad = client.post(
        "/api/tenants", {**FORM, "slug": "epsilon", "cnpj": "1"}, content_type="application/json"
    )
    listed = client.get("/api/tenants")

    assert created.status_code == 201, created.content.decode()
    assert created.json()["domain"] == "delta.localhost"
    assert bad.status_code == 400
    assert bad.json() == {"detail": "O CNPJ deve ter 14 dígitos.", "field": "cnpj"}
    assert {tenant["slug"] for tenant in listed.json()} >= {"alfa", "beta", "delta"}


def test_anonymous_is_sent_to_login() -> None:
    response = Client(HTTP_HOST=settings.BASE_DOMAIN).get("/controle/clientes/novo/")
    assert response.status_code == 302
    assert "/conta/entrar/" in response["Location"]

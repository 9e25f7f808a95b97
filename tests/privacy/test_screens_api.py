"""Screens and API of privacy: masking for the atendente on raw bytes (6.5.23.10, 6.5.23.11),
admin-only LGPD requests, and every state-changing route audited."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from desk.models import Contact, Message
from privacy.models import ConsentEvent, ConsentKeywords, ConsentMethod, ConsentStatus
from privacy.services import contact_cpf_get, contact_cpf_set
from privacy.services.subject_requests import ANONYMIZED_TEXT
from security.actors import Actor
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.privacy.conftest import CPF, CPF_DIGITS, EMAIL, PHONE, Citizen

pytestmark = pytest.mark.django_db

MakeUser = Callable[..., User]
ClientFor = Callable[..., Client]


def _with_cpf(tenant: Tenant, citizen: Citizen) -> None:
    with schema_context(tenant.schema_name):
        contact_cpf_set(actor=Actor.command("tests"), contact=citizen.contact, cpf=CPF)


def _bodies(client: Client, contact_id: int, token: str) -> dict[str, bytes]:
    api_headers = {"Authorization": f"Bearer {token}"}
    return {
        "html": client.get(f"/privacidade/contatos/{contact_id}/").content,
        "csv": client.get("/privacidade/contatos.csv").content,
        "json": Client(HTTP_HOST=client.defaults["HTTP_HOST"])
        .get(f"/api/privacidade/contatos/{contact_id}", headers=api_headers)
        .content,
    }


@pytest.mark.req("6.5.23.10")
@pytest.mark.req("6.5.23.11")
def test_an_atendente_never_sees_cpf_email_or_phone_in_html_json_or_csv(
    tenant_alfa: Tenant,
    citizen: Citizen,
    make_user: MakeUser,
    client_for: ClientFor,
    token_for: Callable[[Tenant, User], str],
) -> None:
    # Given a contact with CPF, e-mail and phone, and an atendente without view_sensitive_data
    _with_cpf(tenant_alfa, citizen)
    agent = make_user(tenant_alfa, Role.AGENT)

    # When the atendente opens the panel, the CSV and the API
    bodies = _bodies(
        client_for(tenant_alfa, agent), citizen.contact.pk, token_for(tenant_alfa, agent)
    )

    # Then no spelling of any of them is in the raw bytes
    for door, body in bodies.items():
        assert b"***.***.***-**" in body, door
        for secret in (CPF, CPF_DIGITS, EMAIL, PHONE, "98765-4321", "987654321"):
            assert secret.encode() not in body, (door, secret)


@pytest.mark.req("6.5.23.11")
def test_an_admin_with_view_sensitive_data_sees_the_values(
    tenant_alfa: Tenant,
    citizen: Citizen,
    make_user: MakeUser,
    client_for: ClientFor,
    token_for: Callable[[Tenant, User], str],
) -> None:
    _with_cpf(tenant_alfa, citizen)
    admin = make_user(tenant_alfa, Role.ADMIN)

    bodies = _bodies(
        client_for(tenant_alfa, admin), citizen.contact.pk, token_for(tenant_alfa, admin)
    )

    for door, body in bodies.items():
        assert CPF_DIGITS.encode() in body, door
        assert EMAIL.encode() in body, door
    assert json.loads(bodies["json"])["cpf"] == CPF_DIGITS


def test_an_atendente_cannot_reach_the_lgpd_screens_or_routes(
    tenant_alfa: Tenant,
    citizen: Citizen,
    make_user: MakeUser,
    client_for: ClientFor,
    token_for: Callable[[Tenant, User], str],
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    client = client_for(tenant_alfa, agent)
    pk = citizen.contact.pk
    headers = {"Authorization": f"Bearer {token_for(tenant_alfa, agent)}"}

    assert client.get(f"/privacidade/contatos/{pk}/lgpd/").status_code == 403
    assert client.get(f"/privacidade/contatos/{pk}/exportar.json").status_code == 403
    assert client.post(f"/privacidade/contatos/{pk}/anonimizar/").status_code == 403
    api = Client(HTTP_HOST=client.defaults["HTTP_HOST"])
    assert api.get(f"/api/privacidade/contatos/{pk}/exportacao", headers=headers).status_code == 403
    assert (
        api.post(f"/api/privacidade/contatos/{pk}/anonimizacao", headers=headers).status_code == 403
    )
    with schema_context(tenant_alfa.schema_name):
        assert Contact.objects.get(pk=pk).email == EMAIL


@audits_route("tenant:privacy:keywords")
@pytest.mark.req("6.5.40")
def test_admin_saves_the_keywords(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: ClientFor
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))

    assert client.get("/privacidade/palavras-chave/").status_code == 200
    response = client.post(
        "/privacidade/palavras-chave/",
        {"opt_out_keywords": "sair, descadastrar", "opt_in_keywords": "voltar"},
    )

    assert response.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        saved = ConsentKeywords.objects.get()
        assert (saved.opt_out_keywords, saved.opt_in_keywords) == (
            ["SAIR", "DESCADASTRAR"],
            ["VOLTAR"],
        )


@audits_route("tenant:privacy:consent_change", "tenant:privacy:cpf_set")
@pytest.mark.req("6.5.23.16")
def test_admin_changes_consent_and_cpf_on_the_screen(
    tenant_alfa: Tenant, citizen: Citizen, make_user: MakeUser, client_for: ClientFor
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)
    pk = citizen.contact.pk

    assert client.get(f"/privacidade/contatos/{pk}/lgpd/").status_code == 200
    client.post(
        f"/privacidade/contatos/{pk}/consentimento/",
        {"channel": citizen.channel.pk, "status": ConsentStatus.OPT_OUT, "note": "ofício 12"},
    )
    client.post(f"/privacidade/contatos/{pk}/cpf/", {"cpf": CPF})

    with schema_context(tenant_alfa.schema_name):
        event = ConsentEvent.objects.get(contact_id=pk)
        assert (event.method, event.actor_user_id, event.note) == (
            ConsentMethod.ADMIN,
            admin.pk,
            "ofício 12",
        )
        assert contact_cpf_get(citizen.contact) == CPF_DIGITS


@audits_route("tenant:privacy:anonymize")
def test_admin_exports_and_anonymizes_on_the_screen(
    tenant_alfa: Tenant,
    citizen: Citizen,
    make_user: MakeUser,
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    client = client_for(tenant_alfa, make_user(tenant_alfa, Role.ADMIN))
    pk = citizen.contact.pk

    exported = client.get(f"/privacidade/contatos/{pk}/exportar.json")
    pdf = client.get(f"/privacidade/contatos/{pk}/exportar.pdf")
    with django_capture_on_commit_callbacks(execute=True):
        client.post(f"/privacidade/contatos/{pk}/anonimizar/")

    assert json.loads(exported.content)["contact"]["email"] == EMAIL
    assert pdf["Content-Type"] == "application/pdf" and pdf.content.startswith(b"%PDF-")
    with schema_context(tenant_alfa.schema_name):
        assert Contact.objects.get(pk=pk).email == ""
        assert set(
            Message.objects.filter(conversation__contact_id=pk).values_list("text", flat=True)
        ) == {ANONYMIZED_TEXT}


@audits_route(
    "tenant:PUT /api/privacidade/contatos/<contact_id>/cpf",
    "tenant:POST /api/privacidade/contatos/<contact_id>/consentimentos",
    "tenant:POST /api/privacidade/contatos/<contact_id>/anonimizacao",
)
@pytest.mark.req("6.5.23.12")
@pytest.mark.req("6.5.23.16")
def test_api_sets_cpf_finds_by_it_records_consent_and_anonymizes(
    tenant_alfa: Tenant,
    citizen: Citizen,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
    client_for: ClientFor,
    django_capture_on_commit_callbacks: Any,
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    api = client_for(tenant_alfa)
    headers = {"Authorization": f"Bearer {token_for(tenant_alfa, admin)}"}
    base = f"/api/privacidade/contatos/{citizen.contact.pk}"

    bad = api.put(f"{base}/cpf", {"cpf": "123"}, content_type="application/json", headers=headers)
    put = api.put(f"{base}/cpf", {"cpf": CPF}, content_type="application/json", headers=headers)
    found = api.get(f"/api/privacidade/contatos-por-cpf?cpf={CPF_DIGITS}", headers=headers)
    consent = api.post(
        f"{base}/consentimentos",
        {"channel_id": citizen.channel.pk, "status": "opt_out"},
        content_type="application/json",
        headers=headers,
    )
    history = api.get(f"{base}/consentimentos", headers=headers)
    with django_capture_on_commit_callbacks(execute=True):
        anonymized = api.post(f"{base}/anonimizacao", headers=headers)

    assert bad.status_code == 400
    assert (put.status_code, put.json()["cpf"]) == (200, CPF_DIGITS)
    assert (found.status_code, found.json()["id"]) == (200, citizen.contact.pk)
    assert consent.status_code == 201
    assert [(e["status"], e["method"]) for e in history.json()] == [("opt_out", "api")]
    assert anonymized.json() == {
        "contact_id": citizen.contact.pk,
        "messages_cleared": 2,
        "media_deleted": 1,
    }

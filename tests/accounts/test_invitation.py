from __future__ import annotations

import re
from collections.abc import Callable
from datetime import timedelta
from typing import Any

import pytest
from django.core import mail
from django.test import Client
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.models import Invitation, User
from accounts.roles import Role
from accounts.services import user_invite
from security.actors import Actor
from security.models import AuditEntry
from tenants.models import Tenant
from tests.conftest import MakeUser, host_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.23.3")]


def invite(tenant: Tenant, capture: Any, email: str = "convidada@alfa.gov.br") -> str:
    with capture(execute=True), schema_context(tenant.schema_name):
        user_invite(
            actor=Actor.command("tests"),
            email=email,
            full_name="Carla Convidada",
            role=Role.SUPERVISOR,
            host=host_of(tenant),
        )
    url = re.search(r"http://\S+/convite/\S+/", str(mail.outbox[-1].body))
    assert url is not None
    return url.group(0).split(":8000", 1)[1]


def test_invited_user_sets_own_password_and_is_signed_in(
    tenant_alfa: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    path = invite(tenant_alfa, django_capture_on_commit_callbacks)
    client = Client(HTTP_HOST=host_of(tenant_alfa))

    page = client.get(path)
    assert page.status_code == 200
    assert "Crie a sua senha" in page.content.decode()

    response = client.post(
        path, {"password1": "Cidade-Limpa-2026", "password2": "Cidade-Limpa-2026"}
    )
    assert response.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        user = User.objects.get(email="convidada@alfa.gov.br")
        assert user.check_password("Cidade-Limpa-2026")
        assert AuditEntry.objects.filter(
            action="user.password_set", object_id=str(user.pk)
        ).exists()
    assert client.get("/").status_code == 200

    # The link works once.
    assert Client(HTTP_HOST=host_of(tenant_alfa)).get(path).status_code == 410


def test_weak_or_mismatched_passwords_are_refused(
    tenant_alfa: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    path = invite(tenant_alfa, django_capture_on_commit_callbacks)
    client = Client(HTTP_HOST=host_of(tenant_alfa))

    weak = client.post(path, {"password1": "12345678", "password2": "12345678"})
    mismatch = client.post(path, {"password1": "Cidade-Limpa-2026", "password2": "Outra-2026-x"})

    assert weak.status_code == 200
    assert "curta" in weak.content.decode() or "comum" in weak.content.decode()
    assert "não são iguais" in mismatch.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert not User.objects.get(email="convidada@alfa.gov.br").has_usable_password()


def test_expired_invitation_is_refused(
    tenant_alfa: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    path = invite(tenant_alfa, django_capture_on_commit_callbacks)
    with schema_context(tenant_alfa.schema_name):
        Invitation.objects.update(expires_at=timezone.now() - timedelta(seconds=1))

    response = Client(HTTP_HOST=host_of(tenant_alfa)).get(path)

    assert response.status_code == 410
    assert "expirou" in response.content.decode()


def test_invitation_of_one_tenant_is_unknown_on_another(
    tenant_alfa: Tenant, tenant_beta: Tenant, django_capture_on_commit_callbacks: Any
) -> None:
    path = invite(tenant_alfa, django_capture_on_commit_callbacks)
    assert Client(HTTP_HOST=host_of(tenant_beta)).get(path).status_code == 410


def test_duplicate_email_is_refused_by_the_screen(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Callable[..., Client]
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN, email="chefe@alfa.gov.br")
    client = client_for(tenant_alfa, admin)
    response = client.post(
        "/conta/usuarios/convidar/",
        {"full_name": "Outra", "email": "chefe@alfa.gov.br", "role": Role.AGENT},
    )
    assert response.status_code == 200
    assert "Já existe um usuário com este e-mail" in response.content.decode()


def test_token_obtained_with_password_works_and_is_audited(
    tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN, email="integra@alfa.gov.br")
    client = Client(HTTP_HOST=host_of(tenant_alfa))

    bad = client.post(
        "/api/auth/token",
        {"email": admin.email, "password": "errada", "name": "SEI"},
        content_type="application/json",
    )
    good = client.post(
        "/api/auth/token",
        {"email": admin.email, "password": "Senha-de-Teste-2026", "name": "SEI"},
        content_type="application/json",
    )

    assert bad.status_code == 401
    assert bad.json()["detail"] == "E-mail ou senha incorretos."
    assert good.status_code == 201
    token = good.json()["token"]
    listed = client.get("/api/users", HTTP_AUTHORIZATION=f"Bearer {token}")
    assert listed.status_code == 200
    with schema_context(tenant_alfa.schema_name):
        assert AuditEntry.objects.filter(action="api_token.create").count() == 1


def test_agent_cannot_obtain_a_token(tenant_alfa: Tenant, make_user: MakeUser) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    response = Client(HTTP_HOST=host_of(tenant_alfa)).post(
        "/api/auth/token",
        {"email": agent.email, "password": "Senha-de-Teste-2026", "name": "x"},
        content_type="application/json",
    )
    assert response.status_code == 403

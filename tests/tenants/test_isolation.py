"""A user, session cookie or API token of tenant A gets nothing of tenant B."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from tenants.models import Tenant
from tests.conftest import MakeUser, host_of

pytestmark = pytest.mark.django_db


def test_unknown_host_gets_404() -> None:
    response = Client(HTTP_HOST=f"inexistente.{settings.BASE_DOMAIN}").get("/conta/entrar/")
    assert response.status_code == 404


def test_session_cookie_of_a_does_not_open_b(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    client_for: Callable[..., Client],
) -> None:
    admin_a = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin_a)
    assert client.get("/conta/usuarios/").status_code == 200

    # Same cookie jar, other tenant's host: B's session table has no such session.
    response = client.get("/conta/usuarios/", HTTP_HOST=host_of(tenant_beta))
    assert response.status_code == 302
    assert response["Location"].startswith("/conta/entrar/")


def test_api_token_of_a_is_unknown_on_b(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> None:
    admin_a = make_user(tenant_alfa, Role.ADMIN)
    token = token_for(tenant_alfa, admin_a)
    auth = {"Authorization": f"Bearer {token}"}

    on_a = Client(HTTP_HOST=host_of(tenant_alfa)).get("/api/users", headers=auth)
    on_b = Client(HTTP_HOST=host_of(tenant_beta)).get("/api/users", headers=auth)

    assert on_a.status_code == 200
    assert admin_a.email in {user["email"] for user in on_a.json()}
    assert on_b.status_code == 401
    assert admin_a.email not in on_b.content.decode()


def test_ids_of_b_are_not_reachable_from_a(
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> None:
    admin_a = make_user(tenant_alfa, Role.ADMIN, email="unique-a@alfa.gov.br")
    victim_b = make_user(tenant_beta, Role.AGENT, email="victim@beta.gov.br")
    token = token_for(tenant_alfa, admin_a)
    client = Client(HTTP_HOST=host_of(tenant_alfa), HTTP_AUTHORIZATION=f"Bearer {token}")

    response = client.patch(
        f"/api/users/{victim_b.pk}", {"full_name": "Hacked"}, content_type="application/json"
    )

    # Either the id does not exist in A, or it is an unrelated A user — never B's user.
    with schema_context(tenant_beta.schema_name):
        assert User.objects.get(pk=victim_b.pk).full_name != "Hacked"
    if response.status_code == 200:
        assert response.json()["email"] != "victim@beta.gov.br"


def test_public_host_exposes_no_tenant_data(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> None:
    admin_a = make_user(tenant_alfa, Role.ADMIN)
    token = token_for(tenant_alfa, admin_a)
    public = Client(HTTP_HOST=settings.BASE_DOMAIN)

    assert public.get("/api/users").status_code == 404
    assert public.get("/api/tenants", HTTP_AUTHORIZATION=f"Bearer {token}").status_code == 401
    assert public.get("/api/tenants").status_code == 401
    assert public.get("/controle/clientes/").status_code == 302


def test_tenant_user_cannot_sign_in_on_control_plane(
    tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    admin_a = make_user(tenant_alfa, Role.ADMIN, email="cross@alfa.gov.br")
    client = Client(HTTP_HOST=settings.BASE_DOMAIN)
    response = client.post(
        "/conta/entrar/", {"username": admin_a.email, "password": "Senha-de-Teste-2026"}
    )
    assert response.status_code == 200  # form shown again with an error
    assert "_auth_user_id" not in client.session


def test_operator_cannot_use_tenant_host(tenant_alfa: Tenant, operator: User) -> None:
    client = Client(HTTP_HOST=host_of(tenant_alfa))
    response = client.post(
        "/conta/entrar/", {"username": operator.email, "password": "Senha-de-Teste-2026"}
    )
    assert response.status_code == 200
    assert "_auth_user_id" not in client.session

"""Who may do what on the user-management screens and API.

Each denied case also asserts that nothing changed."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from tenants.models import Tenant
from tests.conftest import MakeUser, host_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.5.57")]

WHO = ["anonymous", "other_tenant", Role.AGENT, Role.SUPERVISOR, Role.ADMIN, Role.AUDITOR]


@pytest.fixture
def browser(
    request: pytest.FixtureRequest,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    client_for: Callable[..., Client],
) -> Client:
    who = request.param
    if who == "anonymous":
        return client_for(tenant_alfa)
    if who == "other_tenant":
        # An administrator of Beta, with Beta's session cookie, aiming at Alfa's host.
        beta_admin = make_user(tenant_beta, Role.ADMIN)
        client = client_for(tenant_beta, beta_admin)
        client.defaults["HTTP_HOST"] = host_of(tenant_alfa)
        return client
    return client_for(tenant_alfa, make_user(tenant_alfa, who))


@pytest.fixture
def api(
    request: pytest.FixtureRequest,
    tenant_alfa: Tenant,
    tenant_beta: Tenant,
    make_user: MakeUser,
    token_for: Callable[[Tenant, User], str],
) -> Client:
    who = request.param
    client = Client(HTTP_HOST=host_of(tenant_alfa))
    if who == "anonymous":
        return client
    if who == "other_tenant":
        token = token_for(tenant_beta, make_user(tenant_beta, Role.ADMIN))
    else:
        token = token_for(tenant_alfa, make_user(tenant_alfa, who))
    client.defaults["HTTP_AUTHORIZATION"] = f"Bearer {token}"
    return client


def users_of(tenant: Tenant) -> list[tuple[str, str, bool]]:
    with schema_context(tenant.schema_name):
        return list(User.objects.order_by("email").values_list("email", "full_name", "is_active"))


DENIED_SCREEN = {"anonymous": 302, "other_tenant": 302}


@pytest.mark.parametrize(
    ("browser", "expected"),
    [
        ("anonymous", 302),
        ("other_tenant", 302),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
        (Role.AUDITOR, 200),
    ],
    indirect=["browser"],
)
def test_user_list_screen(browser: Client, expected: int) -> None:
    assert browser.get("/conta/usuarios/").status_code == expected


@pytest.mark.parametrize(
    ("browser", "expected"),
    [
        ("anonymous", 302),
        ("other_tenant", 302),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 403),
        (Role.ADMIN, 302),
        (Role.AUDITOR, 403),
    ],
    indirect=["browser"],
)
def test_invite_screen(browser: Client, expected: int, tenant_alfa: Tenant) -> None:
    before = users_of(tenant_alfa)
    response = browser.post(
        "/conta/usuarios/convidar/",
        {"full_name": "Nova Pessoa", "email": "nova@alfa.gov.br", "role": Role.AGENT},
    )
    assert response.status_code == expected
    after = users_of(tenant_alfa)
    if expected == 302 and response["Location"] == "/conta/usuarios/":
        assert len(after) == len(before) + 1
        assert ("nova@alfa.gov.br", "Nova Pessoa", True) in after
    else:
        assert after == before


@pytest.mark.parametrize(
    ("browser", "allowed"),
    [
        ("anonymous", False),
        ("other_tenant", False),
        (Role.AGENT, False),
        (Role.SUPERVISOR, False),
        (Role.ADMIN, True),
        (Role.AUDITOR, False),
    ],
    indirect=["browser"],
)
def test_edit_screen(
    browser: Client, allowed: bool, tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    target = make_user(tenant_alfa, Role.AGENT, email="alvo@alfa.gov.br")
    before = users_of(tenant_alfa)
    browser.post(
        f"/conta/usuarios/{target.pk}/",
        {"full_name": "Renomeado", "role": Role.SUPERVISOR, "is_active": "on"},
    )
    with schema_context(tenant_alfa.schema_name):
        target.refresh_from_db()
        if allowed:
            assert target.full_name == "Renomeado"
            assert target.role == Role.SUPERVISOR
        else:
            assert users_of(tenant_alfa) == before
            assert target.role == Role.AGENT


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ("anonymous", 401),
        ("other_tenant", 401),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 200),
        (Role.ADMIN, 200),
        (Role.AUDITOR, 200),
    ],
    indirect=["api"],
)
def test_api_list_users(api: Client, expected: int) -> None:
    assert api.get("/api/users").status_code == expected


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ("anonymous", 401),
        ("other_tenant", 401),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 403),
        (Role.ADMIN, 201),
        (Role.AUDITOR, 403),
    ],
    indirect=["api"],
)
def test_api_create_user(api: Client, expected: int, tenant_alfa: Tenant) -> None:
    before = users_of(tenant_alfa)
    response = api.post(
        "/api/users",
        {"email": "api@alfa.gov.br", "full_name": "Via API", "role": Role.AGENT},
        content_type="application/json",
    )
    assert response.status_code == expected
    if expected == 201:
        assert response.json()["user"]["email"] == "api@alfa.gov.br"
        assert len(users_of(tenant_alfa)) == len(before) + 1
    else:
        assert "detail" in response.json()
        assert users_of(tenant_alfa) == before


@pytest.mark.parametrize(
    ("api", "expected"),
    [
        ("anonymous", 401),
        ("other_tenant", 401),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 403),
        (Role.ADMIN, 200),
        (Role.AUDITOR, 403),
    ],
    indirect=["api"],
)
def test_api_update_user(
    api: Client, expected: int, tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    target = make_user(tenant_alfa, Role.AGENT, email="alvo-api@alfa.gov.br")
    before = users_of(tenant_alfa)
    response = api.patch(
        f"/api/users/{target.pk}", {"is_active": False}, content_type="application/json"
    )
    assert response.status_code == expected
    with schema_context(tenant_alfa.schema_name):
        target.refresh_from_db()
    if expected == 200:
        assert target.is_active is False
    else:
        assert target.is_active is True
        assert users_of(tenant_alfa) == before

"""Password policy per tenant (6.5.23.4), own password creation (6.5.23.3) and own password
change (6.5.59)."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from accounts.services import user_invite
from security.actors import Actor
from security.models import AuditEntry, PasswordHistory
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.conftest import PASSWORD, MakeUser, host_of
from tests.security.conftest import SetPolicy, browser, login_post


def messages_of(error: pytest.ExceptionInfo[ValidationError]) -> str:
    return " ".join(error.value.messages)


@pytest.mark.req("6.5.23.4")
def test_minimum_length_follows_the_tenant_policy(
    tenant_alfa: Tenant, tenant_beta: Tenant, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, password_min_length=14)

    with schema_context(tenant_alfa.schema_name), pytest.raises(ValidationError) as short:
        validate_password("Curta-Ab-123")  # 12 characters
    with schema_context(tenant_alfa.schema_name):
        validate_password("Bem-Longa-Ab-1234")  # 17 characters
    with schema_context(tenant_beta.schema_name):
        validate_password("Curta-Ab-123")  # beta keeps the default of 10

    assert "pelo menos 14 caracteres" in messages_of(short)


@pytest.mark.req("6.5.23.4")
@pytest.mark.parametrize(
    ("changes", "password", "missing"),
    [
        ({"password_require_uppercase": True}, "tudo-minusculo-123", "uma letra maiúscula"),
        ({"password_require_lowercase": True}, "TUDO-MAIUSCULO-123", "uma letra minúscula"),
        ({"password_require_digit": True}, "Sem-Numero-Nenhum", "um número"),
        ({"password_require_symbol": True}, "SemSimbolo12345", "um símbolo"),
    ],
)
def test_complexity_refuses_a_password_missing_a_required_class(
    tenant_alfa: Tenant,
    set_policy: SetPolicy,
    changes: dict[str, bool],
    password: str,
    missing: str,
) -> None:
    set_policy(tenant_alfa, **changes)

    with schema_context(tenant_alfa.schema_name), pytest.raises(ValidationError) as error:
        validate_password(password)

    assert missing in messages_of(error)


@pytest.mark.req("6.5.23.4")
def test_complexity_accepts_a_password_with_every_required_class(
    tenant_alfa: Tenant, set_policy: SetPolicy
) -> None:
    set_policy(
        tenant_alfa,
        password_require_symbol=True,
        password_require_uppercase=True,
        password_require_lowercase=True,
        password_require_digit=True,
    )

    with schema_context(tenant_alfa.schema_name):
        validate_password("Tem-Tudo-Aqui-2026")


@pytest.mark.req("6.5.23.4")
def test_history_refuses_the_last_n_passwords_and_accepts_an_older_one(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, password_history=3)
    user = make_user(tenant_alfa, Role.AGENT)
    with schema_context(tenant_alfa.schema_name):
        for password in ("Primeira-Senha-01", "Segunda-Senha-02", "Terceira-Senha-03"):
            user.set_password(password)
            user.save()
        # The last 3 passwords, the current one included, are refused…
        for reused in ("Terceira-Senha-03", "Segunda-Senha-02", "Primeira-Senha-01"):
            with pytest.raises(ValidationError) as error:
                validate_password(reused, user)
            assert "últimas 3 senhas" in messages_of(error)
        # …the one before those (the fixture's) is old enough to come back.
        validate_password(PASSWORD, user)
        assert PasswordHistory.objects.filter(user=user).count() == 4


@pytest.mark.req("6.5.23.3")
@pytest.mark.req("6.5.23.4")
@audits_route("tenant:invitation_accept")
def test_invited_user_creates_own_password_under_the_policy(
    tenant_alfa: Tenant, set_policy: SetPolicy, django_capture_on_commit_callbacks: Any
) -> None:
    set_policy(tenant_alfa, password_min_length=12, password_require_symbol=True)
    with schema_context(tenant_alfa.schema_name), django_capture_on_commit_callbacks() as sent:
        link = user_invite(
            actor=Actor.command("tests"),
            email="nova@alfa.gov.br",
            full_name="Nova Atendente",
            role=Role.AGENT,
            host=host_of(tenant_alfa),
        )
    path = "/" + link.url.split("/", 3)[3]
    client = Client(HTTP_HOST=host_of(tenant_alfa))

    page = client.get(path)
    weak = client.post(path, {"password1": "SemSimbolo2026x", "password2": "SemSimbolo2026x"})
    good = client.post(path, {"password1": "Com-Simbolo-2026", "password2": "Com-Simbolo-2026"})

    assert len(sent) == 1
    assert "Pelo menos 12 caracteres." in page.content.decode()
    assert "um símbolo" in page.content.decode()
    assert weak.status_code == 200
    assert "A senha precisa ter um símbolo" in weak.content.decode()
    assert good.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        user = User.objects.get(email="nova@alfa.gov.br")
        assert user.check_password("Com-Simbolo-2026")
        assert PasswordHistory.objects.filter(user=user).count() == 1
        assert (
            AuditEntry.objects.filter(action="user.password_set", object_id=str(user.pk)).count()
            == 1
        )


@pytest.mark.req("6.5.59")
@pytest.mark.req("6.5.23.4")
@audits_route("tenant:account_security:password_change")
def test_user_changes_own_password(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    client = client_for(tenant_alfa, agent)

    wrong = client.post(
        "/conta/seguranca/senha/",
        {
            "current_password": "nao-e-esta",
            "new_password": "Nova-Senha-2027",
            "new_password_repeat": "Nova-Senha-2027",
        },
    )
    reused = client.post(
        "/conta/seguranca/senha/",
        {"current_password": PASSWORD, "new_password": PASSWORD, "new_password_repeat": PASSWORD},
    )
    good = client.post(
        "/conta/seguranca/senha/",
        {
            "current_password": PASSWORD,
            "new_password": "Nova-Senha-2027",
            "new_password_repeat": "Nova-Senha-2027",
        },
    )
    still_signed_in = client.get("/")

    assert "A senha atual está incorreta." in wrong.content.decode()
    assert "já foi usada" in reused.content.decode()
    assert good.status_code == 302
    assert still_signed_in.status_code == 200
    with schema_context(tenant_alfa.schema_name):
        agent.refresh_from_db()
        assert agent.check_password("Nova-Senha-2027")
        assert list(
            AuditEntry.objects.filter(object_id=str(agent.pk)).values_list("action", flat=True)
        ) == ["user.password_change"]


@pytest.mark.req("6.5.59")
@audits_route("public:account_security:password_change")
def test_operator_changes_own_password_on_the_control_plane(
    operator_client: Client, operator: User
) -> None:
    response = operator_client.post(
        "/conta/seguranca/senha/",
        {
            "current_password": PASSWORD,
            "new_password": "Operador-Nova-2027",
            "new_password_repeat": "Operador-Nova-2027",
        },
    )

    assert response.status_code == 302
    operator.refresh_from_db()
    assert operator.check_password("Operador-Nova-2027")


@pytest.mark.req("6.5.23.4")
def test_expired_password_forces_a_change_at_login(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, password_expiry_days=90)
    agent = make_user(tenant_alfa, Role.AGENT)
    with schema_context(tenant_alfa.schema_name):
        PasswordHistory.objects.filter(user=agent).update(
            created_at=PasswordHistory.objects.get(user=agent).created_at - timedelta(days=91)
        )
    client = browser(tenant_alfa)

    login = login_post(client, agent.email, PASSWORD)
    home = client.get("/")
    api = client.get("/api/users")
    change = client.post(
        "/conta/seguranca/senha/",
        {
            "current_password": PASSWORD,
            "new_password": "Renovada-Senha-2026",
            "new_password_repeat": "Renovada-Senha-2026",
            "next": "/",
        },
    )
    home_after = client.get("/")

    assert login.status_code == 302
    assert home.status_code == 302
    assert home["Location"] == "/conta/seguranca/senha/?next=%2F"
    assert api.status_code == 403
    assert api.json()["detail"] == "Sua senha expirou. Crie uma nova senha para continuar."
    assert change.status_code == 302
    assert change["Location"] == "/"
    assert home_after.status_code == 200


@pytest.mark.req("6.5.23.4")
def test_password_within_its_validity_is_not_forced(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, password_expiry_days=90)
    agent = make_user(tenant_alfa, Role.AGENT)
    client = browser(tenant_alfa)

    login_post(client, agent.email, PASSWORD)

    assert client.get("/").status_code == 200

"""The security policy screen, good and bad input, audited; who may open the admin screens
(6.5.57); server-side reCAPTCHA verification against a siteverify server (6.5.23.6)."""

from __future__ import annotations

from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.roles import Role
from security.models import AuditEntry, LockoutScope, SecurityPolicy
from security.recaptcha import CaptchaResult, captcha_verify
from security.route_audit import audits_route
from security.services.policy import policy_snapshot
from tenants.models import Tenant
from tests.conftest import MakeUser
from tests.security.conftest import RECAPTCHA_SECRET, RECAPTCHA_SITE_KEY
from tests.security.siteverify import SiteverifyState


def policy_form(**overrides: Any) -> dict[str, Any]:
    defaults = policy_snapshot(SecurityPolicy())
    data: dict[str, Any] = {
        name: value
        for name, value in defaults.items()
        if not isinstance(value, bool) and name not in {"two_factor_roles", "recaptcha_secret_key"}
    }
    data.update({name: "on" for name, value in defaults.items() if value is True})
    for name, value in overrides.items():
        if value is False:
            data.pop(name, None)
        elif value is True:
            data[name] = "on"
        else:
            data[name] = value
    return data


@pytest.mark.req("6.5.23.4")
@pytest.mark.req("6.5.23.5")
@audits_route("tenant:security:policy")
def test_admin_saves_the_policy_and_the_change_is_audited_without_secrets(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = client_for(tenant_alfa, admin)

    response = client.post(
        "/seguranca/politica/",
        policy_form(
            password_min_length=12,
            password_expiry_days=90,
            lockout_scope=LockoutScope.IP,
            lockout_duration_minutes=0,
            captcha_enabled=True,
            captcha_after_failures=2,
            recaptcha_site_key=RECAPTCHA_SITE_KEY,
            recaptcha_secret_key=RECAPTCHA_SECRET,
            two_factor_roles=[Role.SUPERVISOR, Role.AGENT],
            idle_timeout_minutes=20,
            mask_phone=False,
        ),
    )
    kept_secret = client.post(
        "/seguranca/politica/",
        policy_form(
            password_min_length=12,
            password_expiry_days=90,
            lockout_scope=LockoutScope.IP,
            lockout_duration_minutes=0,
            captcha_enabled=True,
            captcha_after_failures=2,
            recaptcha_site_key=RECAPTCHA_SITE_KEY,
            recaptcha_secret_key="",
            two_factor_roles=[Role.SUPERVISOR, Role.AGENT],
            idle_timeout_minutes=30,
            mask_phone=False,
        ),
    )
    page = client.get("/seguranca/politica/").content.decode()

    assert response.status_code == 302
    assert kept_secret.status_code == 302
    assert RECAPTCHA_SECRET not in page
    assert "Há uma chave secreta guardada." in page
    with schema_context(tenant_alfa.schema_name):
        policy = SecurityPolicy.objects.get()
        entries = list(
            AuditEntry.objects.filter(action="security_policy.update", actor_id=admin.pk).order_by(
                "id"
            )
        )
    assert (
        policy.password_min_length,
        policy.lockout_scope,
        policy.idle_timeout_minutes,
        policy.recaptcha_secret_key,
        policy.two_factor_roles,
        policy.mask_phone,
    ) == (12, "ip", 30, RECAPTCHA_SECRET, ["supervisor", "atendente"], False)
    assert len(entries) == 2
    first_before, first_after = entries[0].before or {}, entries[0].after or {}
    second_before, second_after = entries[1].before or {}, entries[1].after or {}
    assert first_after["recaptcha_secret_key"] == "(definida)"
    assert first_before["password_min_length"] == 10
    assert (second_before["idle_timeout_minutes"], second_after["idle_timeout_minutes"]) == (20, 30)
    assert RECAPTCHA_SECRET not in str(entries[0].after)


@pytest.mark.req("6.5.23.4")
@pytest.mark.req("6.5.23.6")
@pytest.mark.parametrize(
    ("overrides", "message"),
    [
        ({"password_min_length": 6}, "maior ou igual a 8"),
        ({"password_history": 30}, "menor ou igual a 12"),
        ({"lockout_failures": 1}, "maior ou igual a 2"),
        ({"lockout_window_minutes": 0}, "maior ou igual a 1"),
        ({"captcha_enabled": True}, "informe a chave do site e a chave secreta"),
        (
            {
                "captcha_enabled": True,
                "recaptcha_site_key": "k",
                "recaptcha_secret_key": "s",
                "captcha_after_failures": 5,
            },
            "O reCAPTCHA deve ser exigido antes do bloqueio",
        ),
        ({"lockout_scope": "tudo"}, "Faça uma escolha válida"),
    ],
)
def test_invalid_policy_is_refused_and_nothing_changes(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    client_for: Any,
    overrides: dict[str, Any],
    message: str,
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    with schema_context(tenant_alfa.schema_name):
        last_entry = AuditEntry.objects.order_by("-id").values_list("id", flat=True).first()

    response = client_for(tenant_alfa, admin).post("/seguranca/politica/", policy_form(**overrides))

    assert response.status_code == 200
    assert message in response.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert SecurityPolicy.objects.count() == 0
        assert AuditEntry.objects.filter(id__gt=last_entry or 0).count() == 0


@pytest.mark.req("6.5.57")
@pytest.mark.parametrize(
    ("role", "path", "status"),
    [
        (Role.ADMIN, "/seguranca/", 200),
        (Role.ADMIN, "/seguranca/politica/", 200),
        (Role.ADMIN, "/seguranca/permissoes/", 200),
        (Role.SUPERVISOR, "/seguranca/", 403),
        (Role.SUPERVISOR, "/seguranca/politica/", 403),
        (Role.SUPERVISOR, "/seguranca/permissoes/", 403),
        (Role.AGENT, "/seguranca/ips/", 403),
        (Role.AGENT, "/seguranca/ocultacao/", 403),
        (Role.AUDITOR, "/seguranca/auditoria/", 200),
        (Role.AUDITOR, "/seguranca/horarios/", 403),
    ],
)
def test_admin_screens_follow_the_roles(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any, role: str, path: str, status: int
) -> None:
    user = make_user(tenant_alfa, role)
    assert client_for(tenant_alfa, user).get(path).status_code == status


@pytest.mark.req("6.5.57")
def test_a_capability_granted_to_one_user_opens_that_screen(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR)
    other_supervisor = make_user(tenant_alfa, Role.SUPERVISOR)
    client_for(tenant_alfa, admin).post(
        f"/seguranca/permissoes/{supervisor.pk}/", {"capabilities": ["view_audit_log"]}
    )

    assert client_for(tenant_alfa, supervisor).get("/seguranca/auditoria/").status_code == 200
    assert client_for(tenant_alfa, other_supervisor).get("/seguranca/auditoria/").status_code == 403


@pytest.mark.req("6.5.57")
def test_admin_cannot_change_own_permissions(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)

    response = client_for(tenant_alfa, admin).post(f"/seguranca/permissoes/{admin.pk}/", {})

    assert "Você não pode mudar as próprias permissões." in response.content.decode()


@pytest.mark.req("6.5.23.6")
def test_siteverify_answers_are_read_as_google_sends_them(siteverify: SiteverifyState) -> None:
    token = siteverify.issue()

    good = captcha_verify(secret=RECAPTCHA_SECRET, response=token, remote_ip="198.51.100.1")
    replayed = captcha_verify(secret=RECAPTCHA_SECRET, response=token)
    wrong_secret = captcha_verify(secret="outra", response=siteverify.issue())
    empty = captcha_verify(secret=RECAPTCHA_SECRET, response="")

    assert good == CaptchaResult(success=True)
    assert replayed == CaptchaResult(success=False, error_codes=("timeout-or-duplicate",))
    assert wrong_secret == CaptchaResult(success=False, error_codes=("invalid-input-secret",))
    assert empty == CaptchaResult(success=False, error_codes=("missing-input-response",))
    assert siteverify.requests[0] == {
        "secret": RECAPTCHA_SECRET,
        "response": token,
        "remoteip": "198.51.100.1",
    }
    assert len(siteverify.requests) == 3  # an empty answer is refused without a call


@pytest.mark.req("6.5.23.6")
def test_unreachable_siteverify_fails_closed(settings: Any) -> None:
    settings.RECAPTCHA_VERIFY_URL = "http://127.0.0.1:9/recaptcha/api/siteverify"

    result = captcha_verify(secret=RECAPTCHA_SECRET, response="qualquer")

    assert result == CaptchaResult(success=False, error_codes=("verification-unavailable",))

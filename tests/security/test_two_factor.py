"""Two-factor authentication with TOTP (django-otp): enrolment with a QR code, verification at
sign-in, mandatory per role, reset by an admin."""

from __future__ import annotations

import time
from typing import Any

import pytest
from django.test import Client
from django_otp.oath import TOTP
from django_otp.plugins.otp_totp.models import TOTPDevice
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.models import AccessEvent, AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.conftest import PASSWORD, MakeUser
from tests.security.conftest import SetPolicy, browser, login_post


def code(device: TOTPDevice, steps_ahead: int = 0) -> str:
    """The code the phone app shows now (or `steps_ahead` periods later: a code is accepted
    once, so a second sign-in in the same 30 s needs the next one)."""
    totp = TOTP(device.bin_key, device.step, device.t0, device.digits, device.drift)
    totp.time = time.time() + device.step * steps_ahead
    return f"{totp.token():0{device.digits}d}"


def wait_for_throttle(tenant: Tenant, device: TOTPDevice) -> None:
    """What the seconds after a wrong code do: django-otp's throttle window passes."""
    with schema_context(tenant.schema_name):
        TOTPDevice.objects.filter(pk=device.pk).update(throttling_failure_timestamp=None)


def enrolled(tenant: Tenant, user: User) -> TOTPDevice:
    with schema_context(tenant.schema_name):
        return TOTPDevice.objects.create(user=user, name="celular", confirmed=True)


@audits_route("tenant:account_security:two_factor")
def test_user_enrols_with_the_qr_code(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    client = client_for(tenant_alfa, agent)

    page = client.get("/conta/seguranca/2fa/").content.decode()
    with schema_context(tenant_alfa.schema_name):
        device = TOTPDevice.objects.get(user=agent, confirmed=False)
    wrong = client.post("/conta/seguranca/2fa/", {"token": "000000"})
    throttled = client.post("/conta/seguranca/2fa/", {"token": code(device, steps_ahead=1)})
    wait_for_throttle(tenant_alfa, device)
    right = client.post("/conta/seguranca/2fa/", {"token": code(device, steps_ahead=1)})

    assert "<svg" in page and 'class="segno"' in page
    assert "otpauth" not in page  # the secret travels only inside the QR image and the key text
    assert "Código incorreto" in wrong.content.decode()
    assert "Aguarde alguns segundos" in throttled.content.decode()
    assert right.status_code == 302
    assert client.get("/").status_code == 200  # this session counts as verified
    with schema_context(tenant_alfa.schema_name):
        device.refresh_from_db()
        assert device.confirmed is True
        assert list(
            AuditEntry.objects.filter(object_id=str(agent.pk)).values_list("action", flat=True)
        ) == ["two_factor.enable"]


def test_sign_in_asks_for_the_code_after_the_password(
    tenant_alfa: Tenant, make_user: MakeUser
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    device = enrolled(tenant_alfa, agent)
    client = browser(tenant_alfa)

    login = login_post(client, agent.email, PASSWORD)
    home = client.get("/")
    api = client.get("/api/users")
    wrong = client.post("/conta/seguranca/2fa/verificar/", {"token": "123456", "next": "/"})
    wait_for_throttle(tenant_alfa, device)
    right = client.post("/conta/seguranca/2fa/verificar/", {"token": code(device), "next": "/"})

    assert login.status_code == 302
    assert home.status_code == 302
    assert home["Location"] == "/conta/seguranca/2fa/verificar/?next=%2F"
    assert api.status_code == 403
    assert "Código incorreto ou expirado" in wrong.content.decode()
    assert right.status_code == 302
    assert right["Location"] == "/"
    assert client.get("/").status_code == 200
    with schema_context(tenant_alfa.schema_name):
        assert list(
            AccessEvent.objects.filter(user_id=agent.pk)
            .order_by("id")
            .values_list("kind", flat=True)
        ) == ["entrada", "falha_2fa", "2fa"]


def test_mandatory_2fa_sends_the_role_to_enrolment(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, two_factor_roles=[Role.ADMIN])
    admin = make_user(tenant_alfa, Role.ADMIN)
    agent = make_user(tenant_alfa, Role.AGENT)
    admin_client, agent_client = browser(tenant_alfa), browser(tenant_alfa)
    login_post(admin_client, admin.email, PASSWORD)
    login_post(agent_client, agent.email, PASSWORD)

    admin_home = admin_client.get("/")
    enrol_page = admin_client.get("/conta/seguranca/2fa/?next=/")
    cannot_disable = admin_client.post("/conta/seguranca/2fa/desativar/")

    assert admin_home.status_code == 302
    assert admin_home["Location"] == "/conta/seguranca/2fa/?next=%2F"
    assert "obrigatória para o seu papel" in enrol_page.content.decode()
    assert cannot_disable.status_code == 302
    assert agent_client.get("/").status_code == 200


@pytest.mark.req("6.5.57")
@audits_route("tenant:security:two_factor_reset")
def test_admin_resets_a_lost_authenticator(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    agent = make_user(tenant_alfa, Role.AGENT)
    enrolled(tenant_alfa, agent)
    client = client_for(tenant_alfa, admin)

    listing = client.get("/seguranca/permissoes/").content.decode()
    reset = client.post(f"/seguranca/permissoes/{agent.pk}/redefinir-2fa/")
    again = client.post(f"/seguranca/permissoes/{agent.pk}/redefinir-2fa/", follow=True)

    assert "Redefinir 2FA" in listing
    assert reset.status_code == 302
    assert "não tem verificação em duas etapas ativa" in again.content.decode()
    with schema_context(tenant_alfa.schema_name):
        assert TOTPDevice.objects.filter(user=agent).count() == 0
        assert (
            AuditEntry.objects.filter(action="two_factor.reset", object_id=str(agent.pk)).count()
            == 1
        )


@audits_route("tenant:account_security:two_factor_disable")
def test_user_turns_optional_2fa_off(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    device = enrolled(tenant_alfa, agent)
    client = client_for(tenant_alfa, agent)
    client.post("/conta/seguranca/2fa/verificar/", {"token": code(device)})

    response = client.post("/conta/seguranca/2fa/desativar/")

    assert response.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        assert TOTPDevice.objects.filter(user=agent).count() == 0
        assert AuditEntry.objects.filter(action="two_factor.disable").count() == 1


@audits_route("public:account_security:two_factor", "public:account_security:two_factor_disable")
def test_operator_enrols_and_disables_2fa_on_the_control_plane(
    operator_client: Client, operator: User
) -> None:
    operator_client.get("/conta/seguranca/2fa/")
    device = TOTPDevice.objects.get(user=operator, confirmed=False)

    enrol = operator_client.post("/conta/seguranca/2fa/", {"token": code(device, steps_ahead=1)})
    disable = operator_client.post("/conta/seguranca/2fa/desativar/")

    assert enrol.status_code == 302
    assert disable.status_code == 302
    assert TOTPDevice.objects.filter(user=operator).count() == 0
    assert list(
        AuditEntry.objects.filter(
            object_type="accounts.user", object_id=str(operator.pk)
        ).values_list("action", flat=True)
    ) == ["two_factor.enable", "two_factor.disable"]

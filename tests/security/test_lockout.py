"""Lockout after repeated failures (6.5.23.5), by user, IP or both (6.5.23.7), reCAPTCHA after
repeated failures (6.5.23.6), and the screen of blocked users and IPs (6.5.23.8) — driven
through the real sign-in form."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

import pytest
from django.utils import timezone
from django_tenants.utils import schema_context

from accounts.roles import Role
from security import clock
from security.models import AccessEvent, AuditEntry, BlockKind, LockoutScope, LoginBlock
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.conftest import PASSWORD, MakeUser
from tests.security.conftest import (
    RECAPTCHA_SECRET,
    RECAPTCHA_SITE_KEY,
    SetPolicy,
    browser,
    login_post,
)
from tests.security.siteverify import SiteverifyState

ATTACKER_IP = "203.0.113.66"
CAPTCHA = "g-recaptcha-response"


def is_signed_in(client: Any) -> bool:
    return "_auth_user_id" in client.session


@pytest.mark.req("6.5.23.5")
@pytest.mark.req("6.5.23.6")
@pytest.mark.req("6.5.23.7")
@pytest.mark.req("6.5.23.8")
@audits_route("tenant:security:block_release")
def test_brute_force_meets_captcha_then_lockout_then_admin_unblocks(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    set_policy: SetPolicy,
    client_for: Any,
    siteverify: SiteverifyState,
) -> None:
    # Given a policy: captcha after 3 failures, lockout after 5 by user and by IP, until an
    # admin unblocks.
    set_policy(
        tenant_alfa,
        lockout_failures=5,
        lockout_window_minutes=15,
        lockout_scope=LockoutScope.BOTH,
        lockout_duration_minutes=0,
        captcha_enabled=True,
        captcha_after_failures=3,
        recaptcha_site_key=RECAPTCHA_SITE_KEY,
        recaptcha_secret_key=RECAPTCHA_SECRET,
    )
    victim = make_user(tenant_alfa, Role.AGENT, email="vitima@alfa.gov.br")
    admin = make_user(tenant_alfa, Role.ADMIN)
    attacker = browser(tenant_alfa, ip=ATTACKER_IP)

    # When the attacker guesses three times, no captcha is asked yet.
    assert 'class="g-recaptcha"' not in attacker.get("/conta/entrar/").content.decode()
    guesses = [login_post(attacker, victim.email, f"chute-{n}") for n in range(3)]
    assert [r.status_code for r in guesses] == [200, 200, 200]
    assert all("E-mail ou senha incorretos." in r.content.decode() for r in guesses)

    # Then the form asks for the reCAPTCHA, and without it not even the right password passes.
    page = attacker.get("/conta/entrar/").content.decode()
    assert f'data-sitekey="{RECAPTCHA_SITE_KEY}"' in page
    no_captcha = login_post(attacker, victim.email, PASSWORD)
    forged = login_post(attacker, victim.email, PASSWORD, **{CAPTCHA: "resposta-forjada"})
    assert "Confirme que você não é um robô" in no_captcha.content.decode()
    assert "Confirme que você não é um robô" in forged.content.decode()
    assert not is_signed_in(attacker)
    assert siteverify.requests[-1] == {
        "secret": RECAPTCHA_SECRET,
        "response": "resposta-forjada",
        "remoteip": ATTACKER_IP,
    }

    # With solved captchas the guesses count again: the fifth failure locks out.
    fourth = login_post(attacker, victim.email, "chute-3", **{CAPTCHA: siteverify.issue()})
    fifth = login_post(attacker, victim.email, "chute-4", **{CAPTCHA: siteverify.issue()})
    assert fourth.status_code == 200
    assert fifth.status_code == 429
    assert "Acesso bloqueado. Peça o desbloqueio" in fifth.content.decode()

    # Locked: the right password is refused from the attacker's address and from anywhere.
    right = login_post(attacker, victim.email, PASSWORD, **{CAPTCHA: siteverify.issue()})
    elsewhere = login_post(browser(tenant_alfa, ip="198.51.100.77"), victim.email, PASSWORD)
    assert right.status_code == 429
    assert elsewhere.status_code == 429
    assert not is_signed_in(attacker)

    # The admin sees the user and the address blocked, and unblocks both.
    admin_client = client_for(tenant_alfa, admin)
    listing = admin_client.get("/seguranca/bloqueios/").content.decode()
    assert "vitima@alfa.gov.br" in listing
    assert ATTACKER_IP in listing
    assert listing.count("Até desbloqueio") == 2
    with schema_context(tenant_alfa.schema_name):
        blocks = {(b.kind, b.value): b.pk for b in LoginBlock.objects.all()}
    assert set(blocks) == {(BlockKind.USER, victim.email), (BlockKind.IP, ATTACKER_IP)}
    for block_id in blocks.values():
        assert admin_client.post(f"/seguranca/bloqueios/{block_id}/desbloquear/").status_code == 302

    # Then the owner signs in (no captcha: the failures were cleared with the block).
    owner = browser(tenant_alfa, ip=ATTACKER_IP)
    assert 'class="g-recaptcha"' not in owner.get("/conta/entrar/").content.decode()
    assert login_post(owner, victim.email, PASSWORD).status_code == 302
    assert is_signed_in(owner)
    assert (
        "Nenhum usuário ou IP bloqueado."
        in admin_client.get("/seguranca/bloqueios/").content.decode()
    )
    with schema_context(tenant_alfa.schema_name):
        assert sorted(
            AuditEntry.objects.filter(action__startswith="login_block").values_list(
                "action", flat=True
            )
        ) == [
            "login_block.create",
            "login_block.create",
            "login_block.release",
            "login_block.release",
        ]
        assert AccessEvent.objects.filter(kind="bloqueio", username=victim.email).count() == 1
        assert AccessEvent.objects.filter(kind="falha", username=victim.email).count() == 7


@pytest.mark.req("6.5.23.7")
def test_lockout_by_user_only_leaves_the_address_free(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, lockout_failures=3, lockout_scope=LockoutScope.USER)
    victim = make_user(tenant_alfa, Role.AGENT)
    colleague = make_user(tenant_alfa, Role.AGENT)
    shared_office = browser(tenant_alfa, ip="198.51.100.20")

    results = [login_post(shared_office, victim.email, "errada").status_code for _ in range(3)]
    colleague_login = login_post(
        browser(tenant_alfa, ip="198.51.100.20"), colleague.email, PASSWORD
    )
    victim_login = login_post(browser(tenant_alfa, ip="198.51.100.99"), victim.email, PASSWORD)

    assert results == [200, 200, 429]
    assert colleague_login.status_code == 302
    assert victim_login.status_code == 429
    with schema_context(tenant_alfa.schema_name):
        assert list(LoginBlock.objects.values_list("kind", "value")) == [
            (BlockKind.USER, victim.email)
        ]


@pytest.mark.req("6.5.23.7")
def test_lockout_by_ip_only_leaves_the_user_free_elsewhere(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, lockout_failures=3, lockout_scope=LockoutScope.IP)
    victim = make_user(tenant_alfa, Role.AGENT)
    colleague = make_user(tenant_alfa, Role.AGENT)
    hostile = browser(tenant_alfa, ip=ATTACKER_IP)

    results = [login_post(hostile, victim.email, "errada").status_code for _ in range(3)]
    victim_at_home = login_post(browser(tenant_alfa, ip="198.51.100.30"), victim.email, PASSWORD)
    colleague_from_hostile = login_post(
        browser(tenant_alfa, ip=ATTACKER_IP), colleague.email, PASSWORD
    )

    assert results == [200, 200, 429]
    assert victim_at_home.status_code == 302
    assert colleague_from_hostile.status_code == 429
    with schema_context(tenant_alfa.schema_name):
        assert list(LoginBlock.objects.values_list("kind", "value")) == [
            (BlockKind.IP, ATTACKER_IP)
        ]


@pytest.mark.req("6.5.23.5")
def test_a_timed_block_ends_by_itself_after_the_duration(
    tenant_alfa: Tenant,
    make_user: MakeUser,
    set_policy: SetPolicy,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    set_policy(
        tenant_alfa,
        lockout_failures=2,
        lockout_duration_minutes=30,
        lockout_scope=LockoutScope.USER,
    )
    victim = make_user(tenant_alfa, Role.AGENT)
    client = browser(tenant_alfa)
    for _ in range(2):
        login_post(client, victim.email, "errada")

    during = login_post(client, victim.email, PASSWORD)
    monkeypatch.setattr(clock, "now", lambda: timezone.now() + timedelta(minutes=31))
    after = login_post(client, victim.email, PASSWORD)

    assert during.status_code == 429
    assert "Tente novamente depois de" in during.content.decode()
    assert after.status_code == 302


@pytest.mark.req("6.5.23.5")
def test_failures_spread_beyond_the_window_do_not_lock(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    from axes.models import AccessAttempt

    set_policy(
        tenant_alfa, lockout_failures=3, lockout_window_minutes=10, lockout_scope=LockoutScope.USER
    )
    victim = make_user(tenant_alfa, Role.AGENT)
    client = browser(tenant_alfa)
    for _ in range(2):
        login_post(client, victim.email, "errada")
    with schema_context(tenant_alfa.schema_name):
        AccessAttempt.objects.update(attempt_time=timezone.now() - timedelta(minutes=11))

    third = login_post(client, victim.email, "errada")
    right = login_post(client, victim.email, PASSWORD)

    assert third.status_code == 200
    assert right.status_code == 302


@pytest.mark.req("6.5.23.8")
@audits_route("tenant:security:blocks", "tenant:security:block_make_permanent")
def test_admin_blocks_permanently_and_the_user_is_signed_out(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy, client_for: Any
) -> None:
    set_policy(
        tenant_alfa, lockout_failures=2, lockout_duration_minutes=15, lockout_scope=LockoutScope.IP
    )
    admin = make_user(tenant_alfa, Role.ADMIN)
    agent = make_user(tenant_alfa, Role.AGENT)
    admin_client = client_for(tenant_alfa, admin)
    agent_session = browser(tenant_alfa, ip="198.51.100.40")
    assert login_post(agent_session, agent.email, PASSWORD).status_code == 302
    for _ in range(2):
        login_post(browser(tenant_alfa, ip=ATTACKER_IP), agent.email, "errada")
    with schema_context(tenant_alfa.schema_name):
        temporary = LoginBlock.objects.get(kind=BlockKind.IP)

    bad = admin_client.post("/seguranca/bloqueios/", {"kind": "ip", "value": "999.1.1.1"})
    user_block = admin_client.post(
        "/seguranca/bloqueios/",
        {"kind": "usuario", "value": agent.email.upper(), "reason": "desligado"},
    )
    made_permanent = admin_client.post(f"/seguranca/bloqueios/{temporary.pk}/permanente/")

    assert "Informe um endereço IP válido." in bad.content.decode()
    assert user_block.status_code == 302
    assert made_permanent.status_code == 302
    # The blocked agent's open session ended, and signing in again is refused.
    assert agent_session.get("/").status_code == 302
    assert (
        login_post(browser(tenant_alfa, ip="198.51.100.41"), agent.email, PASSWORD).status_code
        == 429
    )
    with schema_context(tenant_alfa.schema_name):
        assert sorted(
            LoginBlock.objects.values_list("kind", "value", "permanent", "expires_at")
        ) == [
            (BlockKind.IP, ATTACKER_IP, True, None),
            (BlockKind.USER, agent.email, True, None),
        ]
        assert AuditEntry.objects.filter(action="login_block.permanent").count() == 2


@pytest.mark.req("6.5.23.8")
def test_only_user_managers_see_the_blocks_screen(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any
) -> None:
    supervisor = make_user(tenant_alfa, Role.SUPERVISOR)
    client = client_for(tenant_alfa, supervisor)

    assert client.get("/seguranca/bloqueios/").status_code == 403
    assert (
        client.post("/seguranca/bloqueios/", {"kind": "ip", "value": "203.0.113.1"}).status_code
        == 403
    )
    with schema_context(tenant_alfa.schema_name):
        assert LoginBlock.objects.count() == 0


@pytest.mark.req("6.5.23.5")
def test_api_token_endpoint_is_locked_out_too(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, lockout_failures=2, lockout_scope=LockoutScope.USER)
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = browser(tenant_alfa)

    def token(password: str) -> Any:
        return client.post(
            "/api/auth/token",
            {"email": admin.email, "password": password, "name": "SEI"},
            content_type="application/json",
        )

    first, second, right = token("errada"), token("errada"), token(PASSWORD)

    assert first.status_code == 401
    assert second.status_code == 429
    assert right.status_code == 429
    assert right.json() == {
        "detail": "Acesso bloqueado por excesso de tentativas sem sucesso. "
        f"Tente novamente depois de {_local(admin, tenant_alfa)} "
        "ou peça o desbloqueio ao administrador do seu órgão."
    }


def _local(user: Any, tenant: Tenant) -> str:
    with schema_context(tenant.schema_name):
        block = LoginBlock.objects.get(kind=BlockKind.USER, value=user.email)
    return timezone.localtime(block.expires_at).strftime("%d/%m/%Y %H:%M")


@pytest.mark.req("6.5.23.5")
def test_a_tenants_lockout_does_not_reach_another_tenant(
    tenant_alfa: Tenant, tenant_beta: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, lockout_failures=2, lockout_scope=LockoutScope.IP)
    alfa_user = make_user(tenant_alfa, Role.AGENT)
    beta_user = make_user(tenant_beta, Role.AGENT)
    for _ in range(2):
        login_post(browser(tenant_alfa, ip=ATTACKER_IP), alfa_user.email, "errada")

    beta_login = login_post(browser(tenant_beta, ip=ATTACKER_IP), beta_user.email, PASSWORD)

    assert beta_login.status_code == 302
    with schema_context(tenant_beta.schema_name):
        assert LoginBlock.objects.count() == 0

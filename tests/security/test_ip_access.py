"""IP access control: allow list and block list for console, admin screens and API; provider
webhooks are not affected (6.5.23.9)."""

from __future__ import annotations

from typing import Any

import pytest
from django.conf import settings
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from security.actors import Actor
from security.ip_access import ip_decide
from security.models import AuditEntry, IpRule, IpRuleKind
from security.route_audit import audits_route
from security.services.ip_rules import ip_rule_add
from tenants.models import Tenant
from tests.conftest import MakeUser, host_of

BLOCKED = "203.0.113.7"
OFFICE = "198.51.100.25"


def add_rule(schema: str, kind: str, network: str) -> IpRule:
    with schema_context(schema):
        return ip_rule_add(actor=Actor.command("tests"), kind=kind, network=network)


def from_ip(host: str, ip: str, user: User | None = None, schema: str = "") -> Client:
    client = Client(HTTP_HOST=host, REMOTE_ADDR=ip)
    if user is not None:
        with schema_context(schema):
            client.force_login(user)
    return client


@pytest.mark.req("6.5.23.9")
def test_blocked_address_gets_403_on_console_and_api_but_others_pass(
    tenant_alfa: Tenant, make_user: MakeUser, token_for: Any
) -> None:
    agent = make_user(tenant_alfa, Role.ADMIN)
    token = token_for(tenant_alfa, agent)
    add_rule(tenant_alfa.schema_name, IpRuleKind.BLOCK, "203.0.113.0/24")
    host = host_of(tenant_alfa)

    console = from_ip(host, BLOCKED, agent, tenant_alfa.schema_name).get("/")
    login_page = from_ip(host, BLOCKED).get("/conta/entrar/")
    api = from_ip(host, BLOCKED).get("/api/users", HTTP_AUTHORIZATION=f"Bearer {token}")
    console_ok = from_ip(host, OFFICE, agent, tenant_alfa.schema_name).get("/")
    api_ok = from_ip(host, OFFICE).get("/api/users", HTTP_AUTHORIZATION=f"Bearer {token}")

    message = f"Acesso negado: o endereço IP {BLOCKED} está na lista de bloqueio deste órgão."
    assert console.status_code == 403
    assert message in console.content.decode()
    assert login_page.status_code == 403
    assert api.status_code == 403
    assert api.json() == {"detail": message}
    assert console_ok.status_code == 200
    assert api_ok.status_code == 200


@pytest.mark.req("6.5.23.9")
def test_allow_list_admits_only_listed_addresses(
    tenant_alfa: Tenant, tenant_beta: Tenant, make_user: MakeUser, token_for: Any
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    token = token_for(tenant_alfa, admin)
    add_rule(tenant_alfa.schema_name, IpRuleKind.ALLOW, "198.51.100.0/24")
    add_rule(tenant_alfa.schema_name, IpRuleKind.ALLOW, "2001:db8::/32")
    add_rule(tenant_alfa.schema_name, IpRuleKind.BLOCK, "198.51.100.66")
    host = host_of(tenant_alfa)

    def api_status(ip: str) -> int:
        return from_ip(host, ip).get("/api/users", HTTP_AUTHORIZATION=f"Bearer {token}").status_code

    outside = from_ip(host, "192.0.2.10").get("/conta/entrar/")

    assert api_status(OFFICE) == 200
    assert api_status("2001:db8::1") == 200
    assert api_status("198.51.100.66") == 403  # the block list wins inside an allowed range
    assert api_status("2001:db9::1") == 403
    assert outside.status_code == 403
    assert (
        "o endereço IP 192.0.2.10 não está na lista de endereços liberados deste órgão"
        in outside.content.decode()
    )
    # Another municipality's lists are its own.
    assert from_ip(host_of(tenant_beta), "192.0.2.10").get("/conta/entrar/").status_code == 200


@pytest.mark.req("6.5.23.9")
def test_provider_webhooks_are_not_filtered(operator_client: Client) -> None:
    # Given the provider's own control plane restricted to its office range…
    add_rule(settings.PUBLIC_SCHEMA_NAME, IpRuleKind.ALLOW, "198.51.100.0/24")
    public = settings.BASE_DOMAIN

    console = from_ip(public, BLOCKED).get("/controle/clientes/")
    api = from_ip(public, BLOCKED).get("/api/tenants")
    webhook = from_ip(public, BLOCKED).post(
        "/webhooks/telegram/conta-desconhecida", data=b"{}", content_type="application/json"
    )

    assert console.status_code == 403
    assert api.status_code == 403
    # …a provider calling from anywhere reaches the webhook, which answers on its own terms.
    assert webhook.status_code != 403
    assert "endereço IP" not in webhook.content.decode()


@pytest.mark.req("6.5.23.9")
@audits_route("tenant:security:ip_rules", "tenant:security:ip_rule_delete")
def test_admin_manages_the_lists_on_the_screen(tenant_alfa: Tenant, make_user: MakeUser) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    client = from_ip(host_of(tenant_alfa), OFFICE, admin, tenant_alfa.schema_name)

    invalid = client.post("/seguranca/ips/", {"kind": "bloquear", "network": "10.0.0.300"})
    self_lockout = client.post("/seguranca/ips/", {"kind": "liberar", "network": "192.0.2.0/24"})
    added = client.post(
        "/seguranca/ips/",
        {"kind": "bloquear", "network": "203.0.113.9/24", "description": "varredura"},
    )
    duplicate = client.post("/seguranca/ips/", {"kind": "bloquear", "network": "203.0.113.0/24"})
    listing = client.get("/seguranca/ips/").content.decode()
    with schema_context(tenant_alfa.schema_name):
        rule = IpRule.objects.get()
    removed = client.post(f"/seguranca/ips/{rule.pk}/remover/")

    assert "Endereço inválido" in invalid.content.decode()
    assert f"bloquearia o seu próprio endereço ({OFFICE})" in self_lockout.content.decode()
    assert added.status_code == 302
    assert rule.network == "203.0.113.0/24"
    assert "Este endereço já está nesta lista." in duplicate.content.decode()
    assert "203.0.113.0/24" in listing
    assert removed.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        assert IpRule.objects.count() == 0
        assert list(
            AuditEntry.objects.filter(action__startswith="ip_rule").values_list(
                "action", "after__network"
            )
        ) == [("ip_rule.create", "203.0.113.0/24"), ("ip_rule.delete", None)]


@pytest.mark.req("6.5.23.9")
def test_agent_cannot_change_the_lists(tenant_alfa: Tenant, make_user: MakeUser) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    client = from_ip(host_of(tenant_alfa), OFFICE, agent, tenant_alfa.schema_name)

    response = client.post("/seguranca/ips/", {"kind": "bloquear", "network": "203.0.113.0/24"})

    assert response.status_code == 403
    with schema_context(tenant_alfa.schema_name):
        assert IpRule.objects.count() == 0


@pytest.mark.req("6.5.23.9")
@pytest.mark.parametrize(
    ("ip", "rules", "allowed"),
    [
        ("10.1.2.3", [], True),
        ("10.1.2.3", [(IpRuleKind.BLOCK, "10.0.0.0/8")], False),
        ("10.1.2.3", [(IpRuleKind.ALLOW, "10.1.2.3/32")], True),
        ("10.1.2.4", [(IpRuleKind.ALLOW, "10.1.2.3/32")], False),
        ("::1", [(IpRuleKind.ALLOW, "10.0.0.0/8")], False),
        (None, [(IpRuleKind.BLOCK, "10.0.0.0/8")], False),
    ],
)
def test_ip_decision(ip: str | None, rules: list[tuple[str, str]], allowed: bool) -> None:
    assert ip_decide(ip, rules).allowed is allowed

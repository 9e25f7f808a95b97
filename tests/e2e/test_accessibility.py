"""Accessibility (eMAG / WCAG 2.1 AA, issue 6): axe-core, the engine behind most accessibility
checkers, runs in Chromium on the screens each role uses and must find no violation of the
WCAG 2.0/2.1 A and AA rules. axe-core comes from npm (package.json), pinned."""

from __future__ import annotations

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from django.conf import settings as django_settings

from accounts.models import User
from accounts.roles import Role
from tenants.models import Tenant
from tests.live.server import LiveServer, make_committed_user, session_cookie, tenant_host

pytestmark = pytest.mark.e2e

AXE = Path(__file__).resolve().parents[2] / "node_modules" / "axe-core" / "axe.min.js"
WCAG_AA = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]

SCREENS: dict[str, list[str]] = {
    Role.AGENT: ["/console/", "/console/chat/", "/contatos/", "/conta/seguranca/senha/"],
    Role.SUPERVISOR: ["/monitor/", "/relatorios/", "/relatorios/painel/"],
    Role.ADMIN: [
        "/",
        "/conta/usuarios/",
        "/roteamento/",
        "/roteamento/equipes/",
        "/roteamento/horarios/",
        "/roteamento/feriados/",
        "/roteamento/tabulacoes/",
        "/canais/",
        "/contatos/importar/",
        "/seguranca/",
        "/seguranca/politica/",
        "/seguranca/auditoria/",
        "/privacidade/palavras-chave/",
        "/sso/configuracao/",
        "/consumo/",
        "/consumo/extratos/",
    ],
}


@pytest.fixture
def contexts(committed: None) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _violations(page: Any) -> list[str]:
    page.wait_for_load_state("load")
    page.add_script_tag(path=str(AXE))
    result = page.evaluate(
        "async (tags) => await axe.run(document, {runOnly: {type: 'tag', values: tags}})",
        WCAG_AA,
    )
    return [
        f"{item['id']} ({item['impact']}): {item['help']} — "
        + "; ".join(node["target"][0] for node in item["nodes"][:3])
        for item in result["violations"]
    ]


def _page(browser: Any, contexts: list[Any], **options: Any) -> Any:
    # axe is injected as a script tag; the product's CSP forbids that, so it is lifted for the
    # checker only (the pages are otherwise served exactly as users get them).
    context = browser.new_context(
        locale="pt-BR", timezone_id="America/Sao_Paulo", bypass_csp=True, **options
    )
    contexts.append(context)
    return context.new_page()


@pytest.mark.req("6.2.8")
@pytest.mark.parametrize("role", list(SCREENS))
def test_the_screens_of_each_role_pass_wcag_aa(
    browser: Any,
    asgi_server: LiveServer,
    live_tenant: Tenant,
    contexts: list[Any],
    role: str,
) -> None:
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    user: User = make_committed_user(live_tenant, role)
    host = tenant_host(live_tenant)
    page = _page(browser, contexts)
    page.context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie(live_tenant, user),
                "url": asgi_server.url_for(host),
            }
        ]
    )
    found: dict[str, list[str]] = {}
    for path in SCREENS[role]:
        response = page.goto(asgi_server.url_for(host) + path)
        assert response is not None and response.status == 200, path
        if problems := _violations(page):
            found[path] = problems
    assert found == {}


@pytest.mark.req("6.2.8")
def test_the_sign_in_page_and_the_public_status_page_pass_wcag_aa(
    browser: Any, asgi_server: LiveServer, live_tenant: Tenant, contexts: list[Any]
) -> None:
    assert AXE.exists(), "axe-core is missing: run `npm ci` (make test does)"
    page = _page(browser, contexts)
    found: dict[str, list[str]] = {}
    for url in (
        asgi_server.url_for(tenant_host(live_tenant)) + "/conta/entrar/",
        asgi_server.url_for(django_settings.BASE_DOMAIN) + "/status/",
        asgi_server.url_for(django_settings.BASE_DOMAIN) + "/conta/entrar/",
    ):
        response = page.goto(url)
        assert response is not None and response.status == 200, url
        if problems := _violations(page):
            found[url] = problems
    assert found == {}

"""The contact import in a real browser (6.5.39, 6.5.37.9): the admin uploads a CSV whose headers
say nothing a guess could use, maps its columns on screen, previews, imports for a team's
exclusive list, reads the rejected row; the team's agent finds the contact, another agent
does not."""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from typing import Any

import pytest
from django.conf import settings as django_settings
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from desk.models import Contact, Team
from routing.models import TeamMembership
from tenants.models import Tenant
from tests.live.server import LiveServer, make_committed_user, session_cookie, tenant_host

pytestmark = [pytest.mark.e2e, pytest.mark.usefixtures("committed")]

TIMEOUT_MS = 15_000


@pytest.fixture
def contexts(browser: Any) -> Iterator[list[Any]]:
    opened: list[Any] = []
    yield opened
    for context in opened:
        context.close()


def _page(browser: Any, server: LiveServer, tenant: Tenant, user: User, contexts: list[Any]) -> Any:
    context = browser.new_context(locale="pt-BR", timezone_id="America/Sao_Paulo")
    contexts.append(context)
    context.add_cookies(
        [
            {
                "name": django_settings.SESSION_COOKIE_NAME,
                "value": session_cookie(tenant, user),
                "url": server.url_for(tenant_host(tenant)),
            }
        ]
    )
    page = context.new_page()
    page.set_default_timeout(TIMEOUT_MS)
    return page


@pytest.mark.req("6.5.39")
@pytest.mark.req("6.5.37.9")
def test_admin_maps_columns_previews_and_imports_a_team_list(
    browser: Any, asgi_server: LiveServer, live_tenant: Tenant, contexts: list[Any]
) -> None:
    # Given a team with one agent, another agent outside it, and a spreadsheet whose columns
    # are named "Quem", "Número" and "Obs" (the committed tenant outlives the test: each run
    # has its own names and numbers)
    tag = secrets.token_hex(3)
    ddd_number = f"9{secrets.randbelow(9000) + 1000}-{secrets.randbelow(9000) + 1000}"
    admin = make_committed_user(live_tenant, Role.ADMIN)
    member = make_committed_user(live_tenant, Role.AGENT)
    outsider = make_committed_user(live_tenant, Role.AGENT)
    with schema_context(live_tenant.schema_name):
        team = Team.objects.create(name=f"Vacinação {tag}")
        TeamMembership.objects.create(team=team, user=member)
    csv_text = (
        "Quem;Número;Obs\r\n"
        f"Cidadã {tag};(61) {ddd_number};primeira dose\r\n"
        f"Sem telefone {tag};123;\r\n"
    )
    base = asgi_server.url_for(tenant_host(live_tenant))

    # When the admin uploads it
    page = _page(browser, asgi_server, live_tenant, admin, contexts)
    page.goto(base + "/contatos/importar/")
    page.get_by_label("Arquivo (.csv ou .xlsx)").set_input_files(
        {"name": f"vacina-{tag}.csv", "mimeType": "text/csv", "buffer": csv_text.encode()}
    )
    page.get_by_role("button", name="Enviar e mapear colunas").click()

    # maps the columns, binds the list to the team and previews
    page.get_by_label("Quem").select_option("name")
    page.get_by_label("Número").select_option("phone")
    page.get_by_label("Obs").select_option("")
    page.get_by_label("Lista exclusiva da equipe").select_option(label=team.name)
    page.get_by_role("button", name="Pré-visualizar").click()
    preview = page.locator("#preview-table")
    expected_phone = "+5561" + ddd_number.replace("-", "")
    preview.get_by_text(expected_phone).wait_for()
    assert "Não será importada: telefone “123”" in preview.inner_text()

    # and imports
    page.get_by_role("button", name="Importar 2 linhas").click()

    # Then the result says what was created and which row was rejected, and why
    page.locator('[data-finished="1"]').wait_for()
    assert page.locator("#count-created").inner_text() == "1"
    assert page.locator("#count-errors").inner_text() == "1"
    assert page.locator("#import-errors tbody tr td").first.inner_text() == "3"
    with schema_context(live_tenant.schema_name):
        contact = Contact.objects.get(name=f"Cidadã {tag}")
        assert contact.phone == expected_phone

    # and only the team's agent finds the contact by name
    for agent, found in ((member, 1), (outsider, 0)):
        agent_page = _page(browser, asgi_server, live_tenant, agent, contexts)
        agent_page.goto(base + "/contatos/")
        agent_page.get_by_label("Nome ou telefone").fill(f"Cidadã {tag}")
        agent_page.get_by_role("button", name="Filtrar").click()
        agent_page.wait_for_url("**/contatos/?q=*")
        rows = agent_page.locator("#contact-table tbody tr", has_text=f"Cidadã {tag}")
        assert rows.count() == found

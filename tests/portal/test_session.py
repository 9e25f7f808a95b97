"""Automatic logout after the configured inactivity, from the console's side (6.5.58.17,
6.5.56), and the agent's own password change reached from the console (6.5.59)."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from security.actors import Actor
from security.models import AccessEvent, AccessEventKind
from security.services.policy import policy_update
from security.signals import LAST_SEEN_KEY
from tenants.models import Tenant
from tests.conftest import PASSWORD
from tests.routing.conftest import DeskFactory


def _idle_after(minutes: int) -> None:
    policy_update(actor=Actor.command("tests"), changes={"idle_timeout_minutes": minutes})


@pytest.mark.req("6.5.56")
@pytest.mark.parametrize(("minutes", "shown"), [(0, False), (15, True)])
def test_the_console_and_the_monitor_carry_the_configured_limit(
    desk: DeskFactory, alfa: Tenant, client_for: Any, minutes: int, shown: bool
) -> None:
    # given the tenant's inactivity limit
    _idle_after(minutes)
    client = client_for(alfa, desk.user(Role.SUPERVISOR))
    # when the console and the monitor are opened
    pages = [client.get("/console/").content.decode(), client.get("/monitor/").content.decode()]
    # then the page's own timer gets the limit only when there is one
    for page in pages:
        assert ('data-idle-minutes="15"' in page) is shown
        assert ("data-idle-form" in page) is shown


@pytest.mark.req("6.5.58.17")
@pytest.mark.req("6.5.56")
def test_an_idle_console_signs_its_user_out(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given an agent signed in on the console
    _idle_after(10)
    agent = desk.user(Role.AGENT)
    client = client_for(alfa, agent)
    # when the page finds them idle and posts the logout
    response = client.post("/console/inatividade", {"next": "/console/"})
    # then the session is over, the sign-in page explains why and the access log says so
    assert response.status_code == 302
    assert response["Location"] == "/conta/entrar/?next=%2Fconsole%2F"
    assert client.get("/console/").status_code == 302
    login = client.get(response["Location"])
    assert "Sua sessão foi encerrada por inatividade. Entre novamente." in login.content.decode()
    kinds = list(AccessEvent.objects.filter(user_id=agent.pk).values_list("kind", flat=True))
    assert AccessEventKind.IDLE_LOGOUT in kinds


def test_the_idle_logout_ignores_a_foreign_next(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    client = client_for(alfa, desk.user(Role.AGENT))
    response = client.post("/console/inatividade", {"next": "https://example.org/"})
    assert response["Location"] == "/conta/entrar/?next=%2Fconsole%2F"


def test_the_idle_logout_refuses_get(desk: DeskFactory, alfa: Tenant, client_for: Any) -> None:
    client = client_for(alfa, desk.user(Role.AGENT))
    assert client.get("/console/inatividade").status_code == 405
    assert client.get("/console/").status_code == 200


@pytest.mark.req("6.5.56")
def test_activity_counts_and_background_refreshes_do_not(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given an agent whose last activity was noted long ago
    _idle_after(10)
    client: Client = client_for(alfa, desk.user(Role.AGENT))
    session = client.session
    session[LAST_SEEN_KEY] = session[LAST_SEEN_KEY] - 120
    session.save()
    before = client.session[LAST_SEEN_KEY]
    # when the page refreshes a fragment by itself, then the last activity stays
    assert client.get("/console/listas", headers={"X-Background-Request": "1"}).status_code == 200
    assert client.session[LAST_SEEN_KEY] == before
    # when the person acts and the page says so, then the last activity moves
    assert client.get("/console/ativo").status_code == 204
    assert client.session[LAST_SEEN_KEY] > before


def test_still_here_without_a_session(alfa: Tenant, client_for: Any) -> None:
    assert client_for(alfa).get("/console/ativo").status_code == 401


@pytest.mark.req("6.5.59")
def test_the_agent_changes_their_own_password_from_the_console(
    desk: DeskFactory, alfa: Tenant, client_for: Any
) -> None:
    # given an agent on the console
    agent = desk.user(Role.AGENT)
    client = client_for(alfa, agent)
    page = client.get("/console/").content.decode()
    # then the console links to the password change, coming back to the console
    link = "/conta/seguranca/senha/?next=/console/"
    assert f'href="{link}"' in page
    form = client.get(link)
    assert form.status_code == 200
    assert 'name="next" value="/console/"' in form.content.decode()
    # when they change it, then it is changed and they are back on the console, still signed in
    response = client.post(
        link,
        {
            "current_password": PASSWORD,
            "new_password": "Outra-Senha-Forte-2027!",
            "new_password_repeat": "Outra-Senha-Forte-2027!",
            "next": "/console/",
        },
    )
    assert response.status_code == 302
    assert response["Location"] == "/console/"
    agent.refresh_from_db()
    assert agent.check_password("Outra-Senha-Forte-2027!")
    assert client.get("/console/").status_code == 200

"""6.5.37.3 / 6.5.37.4: which of a contact's conversations an agent sees as history, per team:
only the current one, those of the teams the agent is logged into, or all. The console's
contact panel, its past-conversation view, the conversation page and the API agree."""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django_tenants.utils import schema_context

from accounts.models import User
from accounts.roles import Role
from desk.models import Contact, ContactIdentity, Conversation, Team
from routing.models import HistoryVisibility, TeamConsoleSettings, TeamMembership
from routing.services.history import contact_history_for, history_visibility_for
from routing.services.lifecycle import conversation_assign
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory, actor_of

pytestmark = pytest.mark.django_db


def _past(desk: DeskFactory, contact: Contact, team: Team, text: str) -> Conversation:
    """A closed conversation of `contact` in `team`."""
    conversation = desk.conversation(team, text=text)
    ContactIdentity.objects.filter(pk=conversation.identity_id).update(contact=contact)
    Conversation.objects.filter(pk=conversation.pk).update(contact=contact, status="closed")
    conversation.refresh_from_db()
    return conversation


class Scene:
    """Ana serves Obras (logged in) and may join Saúde (not logged in). The citizen talks to
    her now in Obras and talked before to Obras and to Saúde."""

    def __init__(self, desk: DeskFactory) -> None:
        self.works = desk.team("Obras")
        self.health = desk.team("Saúde")
        self.ana = desk.agent(self.works, name="Ana Souza")
        TeamMembership.objects.create(team=self.health, user=self.ana)
        self.current = desk.conversation(self.works, text="Buraco na rua")
        supervisor = desk.user(Role.SUPERVISOR)
        conversation_assign(actor=actor_of(supervisor), conversation=self.current, agent=self.ana)
        self.contact = self.current.contact
        self.past_works = _past(desk, self.contact, self.works, "Pedido antigo de poda")
        self.past_health = _past(desk, self.contact, self.health, "Pedido antigo de vacina")

    def set(self, team: Team, visibility: str) -> None:
        TeamConsoleSettings.objects.update_or_create(
            team=team, defaults={"history_visibility": visibility}
        )


@pytest.fixture
def scene(desk: DeskFactory) -> Scene:
    return Scene(desk)


def _panel_protocols(client: Client, scene: Scene) -> list[str]:
    page = client.get(f"/console/c/{scene.current.pk}/").content.decode()
    history = page.split('id="history-title"')[1]
    return [
        conversation.protocol
        for conversation in (scene.current, scene.past_works, scene.past_health)
        if conversation.protocol in history
    ]


EXPECTED = {
    HistoryVisibility.ALL: ("current", "past_works", "past_health"),
    HistoryVisibility.LOGGED_TEAMS: ("current", "past_works"),
    HistoryVisibility.CURRENT: ("current",),
}


@pytest.mark.req("6.5.37.3")
@pytest.mark.req("6.5.37.4")
@pytest.mark.parametrize("visibility", list(HistoryVisibility))
def test_the_contact_panel_shows_what_the_team_allows(
    scene: Scene, alfa: Tenant, client_for: Callable[..., Client], visibility: str
) -> None:
    # given Obras' choice (Saúde, where Ana is not logged in, chose the opposite extreme)
    scene.set(scene.works, visibility)
    scene.set(scene.health, HistoryVisibility.CURRENT)
    client = client_for(alfa, scene.ana)
    expected = [getattr(scene, name).protocol for name in EXPECTED[HistoryVisibility(visibility)]]
    # when Ana opens the current conversation, then the panel lists exactly those
    assert _panel_protocols(client, scene) == expected
    # and a past conversation outside them cannot be read through its link either
    for past in (scene.past_works, scene.past_health):
        response = client.get(
            f"/console/contato/{scene.contact.pk}/historico/{past.pk}", {"c": scene.current.pk}
        )
        assert response.status_code == (200 if past.protocol in expected else 404)
    # nor by opening its page
    page = client.get(f"/console/c/{scene.past_works.pk}/")
    assert page.status_code == (200 if scene.past_works.protocol in expected else 404)


@pytest.mark.req("6.5.37.4")
@pytest.mark.parametrize("visibility", list(HistoryVisibility))
def test_the_api_applies_the_same_choice(
    scene: Scene,
    alfa: Tenant,
    client_for: Callable[..., Client],
    token_for: Callable[[Tenant, User], str],
    visibility: str,
) -> None:
    scene.set(scene.works, visibility)
    client = client_for(alfa)
    headers = {"Authorization": f"Bearer {token_for(alfa, scene.ana)}"}
    expected = [getattr(scene, name).pk for name in EXPECTED[HistoryVisibility(visibility)]]
    # the contact's history, newest first, with the current conversation named
    response = client.get(
        f"/api/contacts/{scene.contact.pk}/history",
        {"current_conversation_id": scene.current.pk},
        headers=headers,
    )
    assert response.status_code == 200
    listed = [item["id"] for item in response.json()]
    assert sorted(listed) == sorted(expected)
    # reading a past conversation directly follows the same rule
    detail = client.get(f"/api/conversations/{scene.past_works.pk}", headers=headers)
    messages = client.get(f"/api/conversations/{scene.past_works.pk}/messages", headers=headers)
    allowed = scene.past_works.pk in expected
    assert detail.status_code == (200 if allowed else 404)
    assert messages.status_code == (200 if allowed else 404)


@pytest.mark.req("6.5.37.4")
def test_supervisors_see_everything_whatever_the_teams_chose(
    scene: Scene, desk: DeskFactory, alfa: Tenant, client_for: Callable[..., Client]
) -> None:
    scene.set(scene.works, HistoryVisibility.CURRENT)
    scene.set(scene.health, HistoryVisibility.CURRENT)
    supervisor = desk.user(Role.SUPERVISOR)
    TeamMembership.objects.create(team=scene.works, user=supervisor, is_logged_in=True)
    client = client_for(alfa, supervisor)
    assert _panel_protocols(client, scene) == [
        scene.current.protocol,
        scene.past_works.protocol,
        scene.past_health.protocol,
    ]
    assert history_visibility_for(supervisor) == HistoryVisibility.ALL


@pytest.mark.req("6.5.37.4")
def test_an_agent_in_several_teams_gets_the_strictest_of_the_teams_logged_into(
    scene: Scene,
) -> None:
    # given Obras shows everything and Saúde only the current conversation
    scene.set(scene.works, HistoryVisibility.ALL)
    scene.set(scene.health, HistoryVisibility.CURRENT)
    # while Ana is logged into Obras only, Obras' choice applies
    assert history_visibility_for(scene.ana) == HistoryVisibility.ALL
    # once she logs into Saúde too, the stricter one applies
    TeamMembership.objects.filter(team=scene.health, user=scene.ana).update(is_logged_in=True)
    assert history_visibility_for(scene.ana) == HistoryVisibility.CURRENT
    listed = contact_history_for(scene.ana, scene.contact, current_id=scene.current.pk)
    assert [conversation.pk for conversation in listed] == [scene.current.pk]


@pytest.mark.req("6.5.37.4")
def test_logged_teams_follows_the_teams_the_agent_is_logged_into_now(scene: Scene) -> None:
    scene.set(scene.works, HistoryVisibility.LOGGED_TEAMS)
    scene.set(scene.health, HistoryVisibility.LOGGED_TEAMS)
    before = contact_history_for(scene.ana, scene.contact, current_id=scene.current.pk)
    TeamMembership.objects.filter(team=scene.health, user=scene.ana).update(is_logged_in=True)
    after = contact_history_for(scene.ana, scene.contact, current_id=scene.current.pk)
    assert sorted(c.pk for c in before) == sorted([scene.current.pk, scene.past_works.pk])
    assert sorted(c.pk for c in after) == sorted(
        [scene.current.pk, scene.past_works.pk, scene.past_health.pk]
    )


def test_another_tenant_cannot_read_the_history(
    scene: Scene,
    tenant_beta: Tenant,
    make_user: Any,
    client_for: Callable[..., Client],
    token_for: Callable[[Tenant, User], str],
) -> None:
    # a supervisor of beta asks for alfa's contact on beta's host: it does not exist there
    beta_supervisor = make_user(tenant_beta, Role.SUPERVISOR)
    client = client_for(tenant_beta)
    response = client.get(
        f"/api/contacts/{scene.contact.pk}/history",
        headers={"Authorization": f"Bearer {token_for(tenant_beta, beta_supervisor)}"},
    )
    assert response.status_code == 404
    with schema_context(tenant_beta.schema_name):
        assert TeamConsoleSettings.objects.count() == 0


def test_a_contact_outside_the_agents_teams_is_not_found(
    scene: Scene,
    desk: DeskFactory,
    alfa: Tenant,
    client_for: Callable[..., Client],
    token_for: Callable[[Tenant, User], str],
) -> None:
    outsider = desk.agent(desk.team("Trânsito"), name="Caio Lima")
    response = client_for(alfa).get(
        f"/api/contacts/{scene.contact.pk}/history",
        headers={"Authorization": f"Bearer {token_for(alfa, outsider)}"},
    )
    assert response.status_code == 404


# --- The admin's screen ------------------------------------------------------------------


@pytest.mark.req("6.5.37.4")
@audits_route("tenant:routing:team_console")
def test_the_admin_chooses_the_teams_history_on_the_team_screen(
    scene: Scene, desk: DeskFactory, alfa: Tenant, client_for: Callable[..., Client]
) -> None:
    admin = desk.user(Role.ADMIN, name="Admin Alfa")
    client = client_for(alfa, admin)
    screen = client.get(f"/roteamento/equipes/{scene.works.pk}/").content.decode()
    assert f'action="/roteamento/equipes/{scene.works.pk}/console/"' in screen
    assert 'value="logged_teams"' in screen
    response = client.post(
        f"/roteamento/equipes/{scene.works.pk}/console/",
        {"history_visibility": "logged_teams"},
    )
    assert response.status_code == 302
    assert response["Location"] == f"/roteamento/equipes/{scene.works.pk}/"
    assert TeamConsoleSettings.objects.get(team=scene.works).history_visibility == "logged_teams"
    entry = AuditEntry.objects.filter(action="team.history_visibility.update").latest("id")
    assert entry.actor_id == admin.pk
    assert json.loads(json.dumps(entry.after)) == {"history_visibility": "logged_teams"}


@pytest.mark.parametrize(
    ("role", "expected"),
    [(None, 302), ("other_tenant", 302), (Role.AGENT, 403), (Role.SUPERVISOR, 403)],
)
def test_only_admins_change_the_teams_console_settings(
    scene: Scene,
    desk: DeskFactory,
    alfa: Tenant,
    tenant_beta: Tenant,
    make_user: Any,
    client_for: Callable[..., Client],
    role: str | None,
    expected: int,
) -> None:
    if role == "other_tenant":
        # signed in on beta as an admin: the session means nothing on alfa
        client = client_for(alfa)
        client.cookies = client_for(tenant_beta, make_user(tenant_beta, Role.ADMIN)).cookies
    else:
        client = client_for(alfa, desk.user(role) if role else None)
    response = client.post(
        f"/roteamento/equipes/{scene.works.pk}/console/", {"history_visibility": "current"}
    )
    assert response.status_code == expected
    assert not TeamConsoleSettings.objects.filter(team=scene.works).exists()
    assert not AuditEntry.objects.filter(action="team.history_visibility.update").exists()

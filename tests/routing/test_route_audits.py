"""The routing writes each leave an audit entry (6.2.18, 6.5.23.15): one test per route that no
broader test drives with valid data, through the route itself (security/route_audit.py). The
routes driven elsewhere carry their `@audits_route` in test_api.py and test_views.py."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from datetime import date, time
from typing import Any

import pytest
from django.test import Client

from accounts.roles import Role
from desk.models import Conversation
from routing.models import (
    AgentStatus,
    BusinessHoursGroup,
    BusinessHoursInterval,
    CannedReply,
    ConversationParticipant,
    ConversationRouting,
    Disposition,
    Holiday,
    RoutingState,
    TeamSettings,
)
from routing.services.entry import route_conversation
from routing.services.lifecycle import conversation_close
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import Api, DeskFactory, actor_of

pytestmark = [pytest.mark.django_db, pytest.mark.req("6.2.18"), pytest.mark.req("6.5.23.15")]

Commit = Callable[..., AbstractContextManager[Any]]


@pytest.fixture
def admin_client(desk: DeskFactory, client_for: Callable[..., Client], alfa: Tenant) -> Client:
    return client_for(alfa, desk.user(Role.ADMIN, name="Admin Alfa"))


def _entries(action: str) -> list[AuditEntry]:
    return list(AuditEntry.objects.filter(action=action).order_by("id"))


def _routed(desk: DeskFactory, commit: Commit, team: Any) -> Conversation:
    conversation = desk.conversation(team)
    with commit(execute=True):
        route_conversation(conversation)
    return conversation


# --- API: teams and agents -------------------------------------------------------------------


@audits_route("tenant:POST /api/routing/teams", "tenant:PATCH /api/routing/teams/<team_id>")
def test_creating_and_changing_a_team_through_the_api_is_audited(
    desk: DeskFactory, api_for: Callable[..., Api]
) -> None:
    # Given an admin's token
    admin_user = desk.user(Role.ADMIN)
    admin = api_for(admin_user)

    # When they create a team and then rename it and change its inactivity timeout
    status, body = admin.call("post", "/teams", {"name": "Ouvidoria"})
    assert status == 201
    team_id = body["id"]
    status, body = admin.call(
        "patch", f"/teams/{team_id}", {"name": "Ouvidoria Geral", "inactivity_timeout_minutes": 25}
    )

    # Then each write is in the trail, by the admin through the API, with before and after
    assert (status, body["name"], body["inactivity_timeout_minutes"]) == (
        200,
        "Ouvidoria Geral",
        25,
    )
    created = _entries("team.create")
    assert [(e.object_id, e.actor_id, e.via) for e in created] == [
        (str(team_id), admin_user.pk, "api")
    ]
    rename = _entries("team.rename")
    assert [(e.before, e.after, e.via) for e in rename] == [
        ({"name": "Ouvidoria"}, {"name": "Ouvidoria Geral"}, "api")
    ]
    update = _entries("team.settings.update")
    assert len(update) == 1
    assert (update[0].after or {})["inactivity_timeout_minutes"] == 25
    assert (update[0].before or {})["inactivity_timeout_minutes"] != 25
    assert TeamSettings.objects.get(pk=team_id).inactivity_timeout_minutes == 25


@audits_route("tenant:PATCH /api/routing/agents/<user_id>")
def test_changing_an_agents_capacity_through_the_api_is_audited(
    desk: DeskFactory, api_for: Callable[..., Api]
) -> None:
    agent = desk.agent(desk.team(), capacity=3)
    supervisor = desk.user(Role.SUPERVISOR)

    status, body = api_for(agent).call("patch", f"/agents/{agent.pk}", {"capacity": 9})
    assert (status, _entries("agent.capacity")) == (403, [])

    status, body = api_for(supervisor).call("patch", f"/agents/{agent.pk}", {"capacity": 5})

    assert (status, body["capacity"]) == (200, 5)
    assert [(e.object_id, e.actor_id, e.before, e.after) for e in _entries("agent.capacity")] == [
        (str(agent.pk), supervisor.pk, {"capacity": 3}, {"capacity": 5})
    ]


@audits_route(
    "tenant:POST /api/routing/agents/me/logout", "tenant:POST /api/routing/agents/<user_id>/logout"
)
def test_logging_out_through_the_api_is_audited(
    desk: DeskFactory, api_for: Callable[..., Api]
) -> None:
    # Given two agents logged into a team
    team = desk.team()
    ana, bruno = desk.agent(team, name="Ana Souza"), desk.agent(team, name="Bruno Lima")
    supervisor = desk.user(Role.SUPERVISOR)

    # When Ana logs herself out and a supervisor logs Bruno out (an agent may not)
    status, body = api_for(ana).call("post", "/agents/me/logout")
    assert (status, body["status"], body["teams"]) == (200, AgentStatus.OFFLINE, [])
    status, body = api_for(ana).call("post", f"/agents/{bruno.pk}/logout")
    assert status == 403
    status, body = api_for(supervisor).call("post", f"/agents/{bruno.pk}/logout")

    # Then both are offline and both logouts are in the trail, each with who did it
    assert (status, body["status"]) == (200, AgentStatus.OFFLINE)
    assert [
        (e.object_id, e.actor_id, e.via, e.before, e.after) for e in _entries("agent.logout")
    ] == [
        (
            str(ana.pk),
            ana.pk,
            "api",
            {"status": AgentStatus.AVAILABLE},
            {"status": AgentStatus.OFFLINE, "requeued": 0},
        ),
        (
            str(bruno.pk),
            supervisor.pk,
            "api",
            {"status": AgentStatus.AVAILABLE},
            {"status": AgentStatus.OFFLINE, "requeued": 0},
        ),
    ]


# --- API: conversations ----------------------------------------------------------------------


@audits_route(
    "tenant:POST /api/routing/conversations/<conversation_id>/invite",
    "tenant:POST /api/routing/conversations/<conversation_id>/leave",
)
@pytest.mark.req("6.5.58.7")
def test_inviting_and_leaving_through_the_api_is_audited(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    # Given Ana serving a conversation and Davi, of the same team, online
    team = desk.team()
    ana = desk.agent(team, name="Ana Souza")
    conversation = _routed(desk, django_capture_on_commit_callbacks, team)
    davi = desk.agent(team, name="Davi Rocha")

    # When Ana invites Davi and Davi leaves
    status, body = api_for(ana).call(
        "post", f"/conversations/{conversation.pk}/invite", {"agent_id": davi.pk}
    )
    assert (status, body["agent_id"], body["participants"]) == (200, ana.pk, [davi.pk])
    status, body = api_for(davi).call("post", f"/conversations/{conversation.pk}/leave")

    # Then Davi is out, Ana still owns it, and both steps are in the trail
    assert (status, body["agent_id"], body["participants"]) == (200, ana.pk, [])
    assert ConversationParticipant.objects.get(conversation=conversation).left_at is not None
    trail = AuditEntry.objects.filter(
        action__in=["conversation.invite", "conversation.leave"]
    ).order_by("id")
    assert [(e.action, e.actor_id, e.object_repr, e.after) for e in trail] == [
        ("conversation.invite", ana.pk, conversation.protocol, {"agent": davi.pk}),
        ("conversation.leave", davi.pk, conversation.protocol, {}),
    ]


@audits_route("tenant:POST /api/routing/conversations/<conversation_id>/reopen")
def test_reopening_through_the_api_is_audited(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    # Given a conversation Ana served and closed
    team = desk.team()
    ana = desk.agent(team, name="Ana Souza")
    conversation = _routed(desk, django_capture_on_commit_callbacks, team)
    conversation_close(actor=actor_of(ana), conversation=conversation)

    # When Ana reopens it through the API
    status, body = api_for(ana).call("post", f"/conversations/{conversation.pk}/reopen")

    # Then it waits in its team's queue again and the reopening is in the trail
    assert (status, body["state"], body["team_id"]) == (200, RoutingState.WAITING, team.pk)
    assert ConversationRouting.objects.get(pk=conversation.pk).state == RoutingState.WAITING
    assert [(e.actor_id, e.via, e.object_repr) for e in _entries("conversation.reopen")] == [
        (ana.pk, "api", conversation.protocol)
    ]


# --- Admin screens ---------------------------------------------------------------------------


@audits_route("tenant:routing:hours_edit", "tenant:routing:hours_delete")
@pytest.mark.req("6.5.34")
def test_editing_and_removing_a_business_hours_group_is_audited(admin_client: Client) -> None:
    # Given a group open on Mondays 08:00-12:00
    group = BusinessHoursGroup.objects.create(name="Comercial")
    BusinessHoursInterval.objects.create(
        group=group, weekday=0, start_time=time(8), end_time=time(12)
    )

    # When the admin renames it and opens it in the afternoon instead
    response = admin_client.post(
        f"/roteamento/horarios/{group.pk}/",
        {"name": "Comercial (tarde)", "off_hours_message": "Fechado.", "day_0": "13:00-18:00"},
    )

    # Then it is saved and the trail has the name and the week, before and after
    assert (response.status_code, response["Location"]) == (302, "/roteamento/horarios/")
    group.refresh_from_db()
    assert group.name == "Comercial (tarde)"
    assert list(group.intervals.values_list("weekday", "start_time", "end_time")) == [
        (0, time(13), time(18))
    ]
    update = _entries("routing.hours_group.update")
    assert [((e.before or {})["name"], (e.after or {})["name"]) for e in update] == [
        ("Comercial", "Comercial (tarde)")
    ]
    week = _entries("routing.hours_group.week")
    assert [((e.before or {})["0"], (e.after or {})["0"]) for e in week] == [
        ("08:00-12:00", "13:00-18:00")
    ]

    # When the admin removes it
    response = admin_client.post(f"/roteamento/horarios/{group.pk}/remover/")

    # Then it is gone and the trail keeps what it was
    assert response.status_code == 302
    assert not BusinessHoursGroup.objects.filter(pk=group.pk).exists()
    removed = _entries("routing.hours_group.delete")
    assert [(e.object_id, (e.before or {})["name"]) for e in removed] == [
        (str(group.pk), "Comercial (tarde)")
    ]


@audits_route("tenant:routing:holiday_delete")
@pytest.mark.req("6.5.34")
def test_removing_a_holiday_is_audited(admin_client: Client) -> None:
    holiday = Holiday.objects.create(name="Padroeira", date=date(2026, 8, 15), kind="municipal")

    response = admin_client.post(f"/roteamento/feriados/{holiday.pk}/remover/")

    assert (response.status_code, response["Location"]) == (302, "/roteamento/feriados/")
    assert not Holiday.objects.filter(pk=holiday.pk).exists()
    assert [
        (e.object_id, (e.before or {})["name"], e.after) for e in _entries("routing.holiday.delete")
    ] == [(str(holiday.pk), "Padroeira", None)]


@audits_route("tenant:routing:disposition_edit")
@pytest.mark.req("6.5.29")
def test_editing_a_disposition_is_audited(desk: DeskFactory, admin_client: Client) -> None:
    # Given a disposition of team Tributos
    tributos, saude = desk.team("Tributos"), desk.team("Saúde")
    disposition = Disposition.objects.create(name="IPTU")
    disposition.teams.set([tributos])

    # When the admin renames it, deactivates it and moves it to Saúde
    response = admin_client.post(
        f"/roteamento/tabulacoes/{disposition.pk}/", {"name": "IPTU 2026", "teams": [saude.pk]}
    )

    # Then it is saved, and the trail has the fields and the teams, before and after
    assert response.status_code == 302
    disposition.refresh_from_db()
    assert (disposition.name, disposition.is_active) == ("IPTU 2026", False)
    assert list(disposition.teams.all()) == [saude]
    assert [(e.before, e.after) for e in _entries("routing.disposition.update")] == [
        ({"name": "IPTU", "is_active": True}, {"name": "IPTU 2026", "is_active": False})
    ]
    assert [(e.before, e.after) for e in _entries("routing.disposition.teams")] == [
        ({"teams": [tributos.pk]}, {"teams": [saude.pk]})
    ]


@audits_route("tenant:routing:canned_reply_edit", "tenant:routing:canned_reply_delete")
@pytest.mark.req("6.5.37.1")
def test_editing_and_removing_a_canned_reply_is_audited(
    desk: DeskFactory, admin_client: Client
) -> None:
    # Given a canned reply of team Tributos
    team = desk.team("Tributos")
    reply = CannedReply.objects.create(
        team=team, shortcut="boleto", title="Boleto", text="Segue o boleto."
    )

    # When the admin changes its text
    response = admin_client.post(
        f"/roteamento/respostas/{reply.pk}/",
        {
            "team": team.pk,
            "shortcut": "boleto",
            "title": "Boleto",
            "text": "Segue o link do boleto.",
            "is_active": "on",
        },
    )

    # Then the trail has the text before and after
    assert response.status_code == 302
    assert CannedReply.objects.get(pk=reply.pk).text == "Segue o link do boleto."
    assert [
        ((e.before or {})["text"], (e.after or {})["text"])
        for e in _entries("routing.canned_reply.update")
    ] == [("Segue o boleto.", "Segue o link do boleto.")]

    # When the admin removes it
    response = admin_client.post(f"/roteamento/respostas/{reply.pk}/remover/")

    # Then it is gone and the trail keeps what it said
    assert (response.status_code, response["Location"]) == (302, "/roteamento/respostas/")
    assert not CannedReply.objects.filter(pk=reply.pk).exists()
    assert [
        (e.object_id, (e.before or {})["shortcut"], (e.before or {})["text"])
        for e in _entries("routing.canned_reply.delete")
    ] == [(str(reply.pk), "boleto", "Segue o link do boleto.")]

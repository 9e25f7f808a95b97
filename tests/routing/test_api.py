"""The routing API: the same rules as the services, an authorization matrix, audited writes."""

from __future__ import annotations

from collections.abc import Callable
from contextlib import AbstractContextManager
from typing import Any

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from routing.models import (
    ConversationRouting,
    Disposition,
    PauseReason,
    RoutingState,
    SurveyStatus,
    TeamMembership,
    TeamSettings,
    WordKind,
)
from routing.services.entry import route_conversation
from routing.services.lifecycle import conversation_close
from routing.services.surveys import survey_answer_conversation
from routing.services.words import word_list_set
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import Api, DeskFactory, actor_of

pytestmark = pytest.mark.django_db

Commit = Callable[..., AbstractContextManager[Any]]


@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 401),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 403),
        (Role.AUDITOR, 403),
        (Role.ADMIN, 201),
    ],
)
def test_creating_a_team_needs_manage_settings(
    desk: DeskFactory, api_for: Callable[..., Api], role: str | None, expected: int
) -> None:
    user = desk.user(role) if role else None
    status, body = api_for(user).call(
        "post",
        "/teams",
        {"name": "Ouvidoria", "overflow_action": "message", "inactivity_timeout_minutes": 15},
    )
    assert status == expected
    created = TeamSettings.objects.filter(team__name="Ouvidoria")
    assert created.count() == (1 if expected == 201 else 0)
    if expected == 201:
        assert (body["name"], body["overflow_action"], body["inactivity_timeout_minutes"]) == (
            "Ouvidoria",
            "message",
            15,
        )
        assert AuditEntry.objects.filter(action="team.create").count() == 1


def test_a_token_of_another_tenant_is_unknown(
    desk: DeskFactory,
    api_for: Callable[..., Api],
    make_user: Callable[..., User],
    tenant_beta: Tenant,
) -> None:
    beta_admin = make_user(tenant_beta, Role.ADMIN)
    status, _body = api_for(beta_admin, tenant_beta).call("get", "/teams")
    assert status == 200
    from django_tenants.utils import schema_context

    from tests.conftest import host_of

    with schema_context(tenant_beta.schema_name):
        from accounts.services import api_token_create
        from security.actors import Actor

        token = api_token_create(actor=Actor.command("tests"), user=beta_admin, name="t").token
    alfa_client = Client(HTTP_HOST=host_of(desk.tenant))
    response = alfa_client.get("/api/routing/teams", headers={"Authorization": f"Bearer {token}"})
    assert response.status_code == 401


def test_invalid_settings_are_refused_with_the_field(
    desk: DeskFactory, api_for: Callable[..., Api]
) -> None:
    team = desk.team()
    admin = api_for(desk.user(Role.ADMIN))
    status, body = admin.call("patch", f"/teams/{team.pk}", {"overflow_action": "team"})
    assert (status, body["field"], body["code"]) == (400, "overflow_team", "team_required")
    status, body = admin.call(
        "patch", f"/teams/{team.pk}", {"overflow_team_id": team.pk, "overflow_action": "team"}
    )
    assert (status, body["code"]) == (400, "same_team")
    assert TeamSettings.objects.get(pk=team.pk).overflow_action == "none"


@audits_route(
    "tenant:PUT /api/routing/teams/<team_id>/members",
    "tenant:POST /api/routing/agents/me/login",
    "tenant:POST /api/routing/agents/me/pause",
    "tenant:POST /api/routing/agents/me/available",
)
@pytest.mark.req("6.5.37.6")
def test_members_and_agent_login_through_the_api(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team()
    agent = desk.user(Role.AGENT, name="Ana Souza")
    auditor = desk.user(Role.AUDITOR)
    admin_user = desk.user(Role.ADMIN)
    admin = api_for(admin_user)
    # An auditor cannot serve, so cannot be a member
    status, body = admin.call(
        "put", f"/teams/{team.pk}/members", {"user_ids": [agent.pk, auditor.pk]}
    )
    assert (status, body["code"]) == (400, "member_cannot_serve")
    status, body = admin.call("put", f"/teams/{team.pk}/members", {"user_ids": [agent.pk]})
    assert status == 200
    assert [member["user_id"] for member in body] == [agent.pk]
    members = AuditEntry.objects.get(action="team.members.set")
    assert (members.actor_id, members.via, members.before, members.after) == (
        admin_user.pk,
        "api",
        {"members": []},
        {"members": [agent.pk]},
    )
    # The agent logs in, pauses and comes back
    me = api_for(agent)
    status, body = me.call("post", "/agents/me/login", {"teams": [team.pk]})
    assert (status, body["status"], body["teams"]) == (200, "available", [team.pk])
    reason = PauseReason.objects.create(name="Almoço")
    status, body = me.call("post", "/agents/me/pause", {"reason_id": reason.pk})
    assert (status, body["status"], body["pause_reason"]) == (200, "paused", "Almoço")
    status, body = me.call("post", "/agents/me/pause", {"reason_id": reason.pk})
    assert (status, body["code"]) == (409, "already_paused")
    status, body = me.call("post", "/agents/me/available")
    assert (status, body["status"]) == (200, "available")
    actions = list(AuditEntry.objects.filter(actor_id=agent.pk).values_list("action", flat=True))
    assert actions == ["agent.login", "agent.pause", "agent.available"]


def test_queue_shows_an_agent_only_their_teams(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    mine, other = desk.team(), desk.team()
    agent = desk.agent(mine, login=False)
    waiting_mine = desk.conversation(mine)
    waiting_other = desk.conversation(other)
    route_conversation(waiting_mine)
    route_conversation(waiting_other)
    status, body = api_for(agent).call("get", "/queue")
    assert status == 200
    assert [item["conversation_id"] for item in body] == [waiting_mine.pk]
    assert body[0]["position"] == 1
    status, body = api_for(desk.user(Role.SUPERVISOR)).call("get", "/queue")
    assert {item["conversation_id"] for item in body} == {waiting_mine.pk, waiting_other.pk}
    # A conversation of another team is not found for the agent
    status, _body = api_for(agent).call("get", f"/conversations/{waiting_other.pk}")
    assert status == 404


@audits_route(
    "tenant:POST /api/routing/conversations/<conversation_id>/transfer",
    "tenant:POST /api/routing/conversations/<conversation_id>/close",
)
@pytest.mark.req("6.5.58.8")
@pytest.mark.req("6.5.29")
def test_transfer_and_close_with_disposition_through_the_api(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(disposition_required=True)
    ana = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        route_conversation(conversation)
    bruno = desk.agent(team, name="Bruno Lima")
    status, body = api_for(ana).call(
        "post",
        f"/conversations/{conversation.pk}/transfer",
        {"agent_id": bruno.pk, "note": "Assunto de ITBI"},
    )
    assert (status, body["agent_id"], body["state"]) == (200, bruno.pk, "assigned")
    # Ana no longer owns it: she cannot close it
    status, body = api_for(ana).call("post", f"/conversations/{conversation.pk}/close", {})
    assert (status, body["code"]) == (403, "not_owner")
    status, body = api_for(bruno).call("post", f"/conversations/{conversation.pk}/close", {})
    assert (status, body["field"]) == (400, "disposition")
    disposition = Disposition.objects.create(name="ITBI")
    status, body = api_for(bruno).call(
        "post",
        f"/conversations/{conversation.pk}/close",
        {"disposition_id": disposition.pk, "note": "ok"},
    )
    assert (status, body["state"], body["disposition_id"]) == (200, "closed", disposition.pk)
    status, events = api_for(bruno).call("get", f"/conversations/{conversation.pk}/events")
    assert [(e["kind"], e["agent_id"]) for e in events] == [
        ("queued", None),
        ("assigned", ana.pk),
        ("transferred", bruno.pk),
        ("closed", None),
    ]
    assert events[2]["note"] == "Assunto de ITBI"
    trail = AuditEntry.objects.filter(
        action__in=["conversation.transfer", "conversation.close"]
    ).order_by("id")
    assert [(e.action, e.actor_id, e.via, e.after) for e in trail] == [
        (
            "conversation.transfer",
            ana.pk,
            "api",
            {"agent": bruno.pk, "team": team.pk, "note": "Assunto de ITBI"},
        ),
        ("conversation.close", bruno.pk, "api", {"disposition": "ITBI", "note": "ok"}),
    ]


@audits_route("tenant:POST /api/routing/conversations/<conversation_id>/messages")
@pytest.mark.req("6.5.55")
def test_blocked_words_are_refused_with_the_reason_through_the_api(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    word_list_set(actor=actor_of(desk.user(Role.ADMIN)), kind=WordKind.BLOCKED, terms=["idiota"])
    team = desk.team(agent_name_on_messages=True)
    ana = desk.agent(team, name="Ana Souza")
    conversation = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        route_conversation(conversation)
    me = api_for(ana)
    status, body = me.call(
        "post", f"/conversations/{conversation.pk}/messages", {"text": "Que pergunta idiota"}
    )
    assert not AuditEntry.objects.filter(action="message.send").exists()
    assert status == 400
    assert body == {
        "detail": "A mensagem não foi enviada porque contém palavras não permitidas: “idiota”.",
        "field": "text",
        "code": "blocked_words",
        "words": ["idiota"],
    }
    status, body = me.call(
        "post", f"/conversations/{conversation.pk}/messages", {"text": "Vou verificar para você."}
    )
    assert (status, body["text"], body["sender_name"]) == (
        201,
        "Ana:\nVou verificar para você.",
        "Ana Souza",
    )
    sent = AuditEntry.objects.get(action="message.send")
    assert (sent.actor_id, sent.via, sent.object_id, sent.object_repr) == (
        ana.pk,
        "api",
        str(body["id"]),
        conversation.protocol,
    )


@audits_route("tenant:POST /api/routing/conversations/<conversation_id>/assign")
@pytest.mark.req("6.5.44.6")
def test_supervisor_assigns_from_the_queue_through_the_api(
    desk: DeskFactory, api_for: Callable[..., Api]
) -> None:
    team = desk.team()
    conversation = desk.conversation(team)
    route_conversation(conversation)
    agent = desk.agent(team)  # logged in after routing; no dispatch ran (no commit)
    status, body = api_for(agent).call(
        "post", f"/conversations/{conversation.pk}/assign", {"agent_id": agent.pk}
    )
    assert status == 403
    status, body = api_for(desk.user(Role.SUPERVISOR)).call(
        "post", f"/conversations/{conversation.pk}/assign", {"agent_id": agent.pk}
    )
    assert (status, body["agent_id"]) == (200, agent.pk)
    assert ConversationRouting.objects.get(pk=conversation.pk).state == RoutingState.ASSIGNED
    assert AuditEntry.objects.filter(action="conversation.assign").count() == 1


@pytest.mark.req("6.5.32")
def test_survey_results_by_agent(
    desk: DeskFactory, api_for: Callable[..., Api], django_capture_on_commit_callbacks: Commit
) -> None:
    team = desk.team(survey_enabled=True)
    ana = desk.agent(team, name="Ana Souza", capacity=5)
    for score in (5, 4, 2):
        conversation = desk.conversation(team)
        with django_capture_on_commit_callbacks(execute=True):
            route_conversation(conversation)
        conversation_close(actor=actor_of(ana), conversation=conversation)
        survey_answer_conversation(identity=conversation.identity, text=str(score))
    unanswered = desk.conversation(team)
    with django_capture_on_commit_callbacks(execute=True):
        route_conversation(unanswered)
    conversation_close(actor=actor_of(ana), conversation=unanswered)
    status, _body = api_for(ana).call("get", "/surveys")
    assert status == 403
    status, body = api_for(desk.user(Role.SUPERVISOR)).call("get", "/surveys")
    assert status == 200
    assert body["by_agent"] == [
        {"agent_id": ana.pk, "agent_name": "Ana Souza", "answered": 3, "average": 3.67}
    ]
    assert sorted(s["status"] for s in body["surveys"]) == [SurveyStatus.ANSWERED] * 3 + [
        SurveyStatus.PENDING
    ]


@pytest.mark.req("6.5.37.1")
def test_canned_replies_of_my_teams(desk: DeskFactory, api_for: Callable[..., Api]) -> None:
    from routing.models import CannedReply

    mine, other = desk.team(), desk.team()
    agent = desk.agent(mine, login=False)
    CannedReply.objects.create(team=mine, shortcut="iptu", title="IPTU", text="Segunda via…")
    CannedReply.objects.create(team=None, shortcut="ola", title="Saudação", text="Olá!")
    CannedReply.objects.create(team=other, shortcut="vacina", title="Vacina", text="…")
    status, body = api_for(agent).call("get", "/canned-replies")
    assert (status, [reply["shortcut"] for reply in body]) == (200, ["iptu", "ola"])
    status, body = api_for(agent).call("get", "/canned-replies?q=segunda")
    assert [reply["shortcut"] for reply in body] == ["iptu"]
    assert TeamMembership.objects.filter(user=agent).count() == 1

"""The admin's routing screens: who may open them, and that they save through the services."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, time

import pytest
from django.test import Client

from accounts.models import User
from accounts.roles import Role
from routing.models import (
    BusinessHoursGroup,
    CannedReply,
    Disposition,
    Holiday,
    PauseReason,
    RestrictedWord,
    TeamMembership,
    TeamSettings,
)
from security.models import AuditEntry
from security.route_audit import audits_route
from tenants.models import Tenant
from tests.routing.conftest import DeskFactory

pytestmark = pytest.mark.django_db

PAGES = [
    "/roteamento/",
    "/roteamento/equipes/",
    "/roteamento/horarios/",
    "/roteamento/feriados/",
    "/roteamento/tabulacoes/",
    "/roteamento/respostas/",
    "/roteamento/pausas/",
    "/roteamento/palavras/",
    "/roteamento/atendentes/",
]


@pytest.fixture
def admin_client(desk: DeskFactory, client_for: Callable[..., Client], alfa: Tenant) -> Client:
    return client_for(alfa, desk.user(Role.ADMIN, name="Admin Alfa"))


@pytest.mark.parametrize("path", PAGES)
@pytest.mark.parametrize(
    ("role", "expected"),
    [
        (None, 302),
        (Role.AGENT, 403),
        (Role.SUPERVISOR, 403),
        (Role.AUDITOR, 403),
        (Role.ADMIN, 200),
    ],
)
def test_only_admins_open_the_routing_screens(
    desk: DeskFactory,
    client_for: Callable[..., Client],
    alfa: Tenant,
    path: str,
    role: str | None,
    expected: int,
) -> None:
    user = desk.user(role) if role else None
    assert client_for(alfa, user).get(path).status_code == expected


@audits_route("tenant:routing:team_list", "tenant:routing:team_edit")
def test_team_rules_and_members_are_saved(desk: DeskFactory, admin_client: Client) -> None:
    # Given a new team made on the screen
    response = admin_client.post("/roteamento/equipes/", {"name": "Ouvidoria"})
    settings = TeamSettings.objects.get(team__name="Ouvidoria")
    assert response.status_code == 302
    assert response["Location"] == f"/roteamento/equipes/{settings.pk}/"
    backup = desk.team("Reserva")
    channel = desk.default_channel
    # When the admin sets overflow, inactivity and one channel
    data = {
        "section": "settings",
        "name": "Ouvidoria Geral",
        "description": "",
        "off_hours_action": "message_keep",
        "overflow_action": "team",
        "overflow_team": backup.pk,
        "overflow_message": "",
        "inactivity_timeout_minutes": 20,
        "inactivity_message": "Encerrado.",
        "closing_message": "Tchau.",
        "announce_agent": "on",
        "announce_message": "Sou {agente}.",
        "agent_name_on_messages": "on",
        "queue_notice": "estimate",
        "queue_notice_message": "",
        "queue_estimate_message": "{posicao}/{minutos}",
        "average_handling_minutes": 4,
        "survey_enabled": "on",
        "survey_message": "Nota?",
        "survey_expiry_minutes": 60,
        "channels": [channel.pk],
    }
    response = admin_client.post(f"/roteamento/equipes/{settings.pk}/", data)
    assert response.status_code == 302
    settings.refresh_from_db()
    assert (
        settings.team.name,
        settings.overflow_team_id,
        settings.inactivity_timeout_minutes,
        settings.queue_notice,
        settings.survey_enabled,
    ) == ("Ouvidoria Geral", backup.pk, 20, "estimate", True)
    assert list(settings.channels.values_list("pk", flat=True)) == [channel.pk]
    # And the members
    agent = desk.user(Role.AGENT)
    response = admin_client.post(
        f"/roteamento/equipes/{settings.pk}/", {"section": "members", "members": [agent.pk]}
    )
    assert response.status_code == 302
    assert list(
        TeamMembership.objects.filter(team_id=settings.pk).values_list("user_id", flat=True)
    ) == [agent.pk]
    assert set(
        AuditEntry.objects.filter(object_id=str(settings.pk)).values_list("action", flat=True)
    ) >= {"team.create", "team.rename", "team.settings.update", "team.members.set"}


def test_an_overflow_team_is_required_when_overflow_goes_to_a_team(
    desk: DeskFactory, admin_client: Client
) -> None:
    team = desk.team("Saúde")
    response = admin_client.post(
        f"/roteamento/equipes/{team.pk}/",
        {
            "section": "settings",
            "name": "Saúde",
            "off_hours_action": "message_keep",
            "overflow_action": "team",
            "queue_notice": "off",
            "average_handling_minutes": 5,
            "survey_expiry_minutes": 60,
        },
    )
    assert response.status_code == 200
    assert "Escolha a equipe de transbordo." in response.content.decode()
    assert TeamSettings.objects.get(pk=team.pk).overflow_action == "none"


@audits_route("tenant:routing:hours_list")
@pytest.mark.req("6.5.34")
def test_business_hours_group_with_weekly_hours(admin_client: Client) -> None:
    week = {f"day_{day}": "08:00-12:00, 13:00-18:00" for day in range(5)}
    response = admin_client.post(
        "/roteamento/horarios/",
        {
            "name": "Comercial",
            "observe_national_holidays": "on",
            "state": "SP",
            "off_hours_message": "Fechado.",
            "holiday_message": "Feriado: {feriado}.",
            **week,
            "day_5": "08:00-12:00",
            "day_6": "",
        },
    )
    assert response.status_code == 302
    group = BusinessHoursGroup.objects.get(name="Comercial")
    assert [(i.weekday, i.start_time, i.end_time) for i in group.intervals.all()][:3] == [
        (0, time(8), time(12)),
        (0, time(13), time(18)),
        (1, time(8), time(12)),
    ]
    assert group.intervals.count() == 11
    assert list(
        AuditEntry.objects.filter(action__startswith="routing.hours_group", object_id=str(group.pk))
        .order_by("id")
        .values_list("action", flat=True)
    ) == ["routing.hours_group.create", "routing.hours_group.week"]
    response = admin_client.post(
        f"/roteamento/horarios/{group.pk}/", {"name": "Comercial", "day_0": "18:00-08:00"}
    )
    assert response.status_code == 200
    assert "O fim deve ser depois do início: 18:00-08:00." in response.content.decode()
    assert group.intervals.count() == 11


@audits_route("tenant:routing:holiday_list")
@pytest.mark.req("6.5.34")
def test_municipal_holiday_added_and_national_ones_listed(admin_client: Client) -> None:
    response = admin_client.post(
        "/roteamento/feriados/",
        {
            "name": "Aniversário da cidade",
            "date": "2026-03-19",
            "kind": "municipal",
            "recurring": "on",
        },
    )
    assert response.status_code == 302
    holiday = Holiday.objects.get()
    assert (holiday.date, holiday.recurring) == (date(2026, 3, 19), True)
    entry = AuditEntry.objects.get(action="routing.holiday.create")
    assert (entry.object_id, entry.before, (entry.after or {})["name"]) == (
        str(holiday.pk),
        None,
        "Aniversário da cidade",
    )
    page = admin_client.get("/roteamento/feriados/?ano=2026").content.decode()
    assert "15/11/2026" in page and "Proclamação da República" in page


@audits_route(
    "tenant:routing:disposition_list",
    "tenant:routing:canned_reply_list",
    "tenant:routing:pause_reason_list",
    "tenant:routing:pause_reason_edit",
)
@pytest.mark.req("6.5.29")
@pytest.mark.req("6.5.37.1")
@pytest.mark.req("6.5.58.14")
def test_dispositions_canned_replies_and_pause_reasons(
    desk: DeskFactory, admin_client: Client
) -> None:
    team = desk.team("Tributos")
    assert (
        admin_client.post(
            "/roteamento/tabulacoes/", {"name": "IPTU", "is_active": "on", "teams": [team.pk]}
        ).status_code
        == 302
    )
    assert list(Disposition.objects.get(name="IPTU").teams.all()) == [team]
    assert (
        admin_client.post(
            "/roteamento/respostas/",
            {
                "team": team.pk,
                "shortcut": "boleto",
                "title": "Boleto",
                "text": "Segue o link do boleto.",
                "is_active": "on",
            },
        ).status_code
        == 302
    )
    assert CannedReply.objects.get().team == team
    assert (
        admin_client.post(
            "/roteamento/pausas/",
            {"name": "Almoço", "auto_reply": "{agente} volta às 13h.", "is_active": "on"},
        ).status_code
        == 302
    )
    reason = PauseReason.objects.get()
    assert (
        admin_client.post(
            f"/roteamento/pausas/{reason.pk}/",
            {"name": "Almoço", "auto_reply": "{agente} volta às 14h."},
        ).status_code
        == 302
    )
    reason.refresh_from_db()
    assert (reason.auto_reply, reason.is_active) == ("{agente} volta às 14h.", False)
    entry = AuditEntry.objects.filter(action="routing.pause_reason.update").get()
    assert (entry.before or {})["auto_reply"] == "{agente} volta às 13h."
    assert list(
        AuditEntry.objects.filter(action__startswith="routing.")
        .order_by("id")
        .values_list("action", flat=True)
    ) == [
        "routing.disposition.create",
        "routing.disposition.teams",
        "routing.canned_reply.create",
        "routing.pause_reason.create",
        "routing.pause_reason.update",
    ]


@audits_route("tenant:routing:word_lists")
@pytest.mark.req("6.5.54")
@pytest.mark.req("6.5.55")
def test_word_lists_are_saved_one_per_line(admin_client: Client) -> None:
    response = admin_client.post(
        "/roteamento/palavras/", {"start_stop": "ok\nobrigado\n\n👍", "blocked": "idiota\r\nburro"}
    )
    assert response.status_code == 302
    assert sorted(RestrictedWord.objects.values_list("kind", "term")) == [
        ("blocked", "burro"),
        ("blocked", "idiota"),
        ("start_stop", "obrigado"),
        ("start_stop", "ok"),
        ("start_stop", "👍"),
    ]
    assert AuditEntry.objects.filter(action="routing.words.set").count() == 2


@audits_route("tenant:routing:agent_list")
def test_agent_capacity_is_saved(desk: DeskFactory, admin_client: Client) -> None:
    agent = desk.agent(desk.team(), capacity=3)
    response = admin_client.post("/roteamento/atendentes/", {"user_id": agent.pk, "capacity": 6})
    assert response.status_code == 302
    assert User.objects.get(pk=agent.pk).agent_state.capacity == 6
    entry = AuditEntry.objects.get(action="agent.capacity")
    assert (entry.object_id, entry.before, entry.after) == (
        str(agent.pk),
        {"capacity": 3},
        {"capacity": 6},
    )
    response = admin_client.post(
        "/roteamento/atendentes/", {"user_id": agent.pk, "capacity": 0}, follow=True
    )
    assert User.objects.get(pk=agent.pk).agent_state.capacity == 6
    assert AuditEntry.objects.filter(action="agent.capacity").count() == 1

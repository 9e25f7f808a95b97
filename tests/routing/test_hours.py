"""Business-hours groups (6.5.34) and routing by them (6.5.35), in São Paulo time."""

from __future__ import annotations

from datetime import UTC, date, datetime, time

import pytest

from core.timezones import SAO_PAULO
from routing.models import (
    BusinessHoursGroup,
    BusinessHoursInterval,
    ConversationRouting,
    Holiday,
    HolidayKind,
    OffHoursAction,
    RoutingState,
)
from routing.services.entry import route_conversation
from routing.services.hours import hours_verdict
from tests.routing.conftest import DeskFactory, event_kinds, outbound_texts

pytestmark = pytest.mark.django_db


def sp(
    year: int, month: int, day: int, hour: int = 0, minute: int = 0, second: int = 0
) -> datetime:
    return datetime(year, month, day, hour, minute, second, tzinfo=SAO_PAULO)


def group_with_hours(
    name: str = "Comercial", days: range = range(5), **fields: object
) -> BusinessHoursGroup:
    group = BusinessHoursGroup.objects.create(name=name, **fields)
    for day in days:
        BusinessHoursInterval.objects.create(
            group=group, weekday=day, start_time=time(8), end_time=time(18)
        )
    return group


@pytest.mark.req("6.5.34")
@pytest.mark.parametrize(
    ("moment", "is_open"),
    [
        (sp(2026, 11, 17, 7, 59, 59), False),
        (sp(2026, 11, 17, 8, 0, 0), True),
        (sp(2026, 11, 17, 17, 59, 59), True),
        (sp(2026, 11, 17, 18, 0, 0), False),
        (sp(2026, 11, 21, 10, 0, 0), False),  # Saturday
    ],
)
def test_the_boundary_minute_is_judged_in_sao_paulo(
    alfa: object, moment: datetime, is_open: bool
) -> None:
    # Given Monday to Friday, 08:00 to 18:00
    group = group_with_hours()
    # When judged at the moment (and at the same instant written in UTC)
    # Then 17:59:59 is open and 18:00:00 is closed
    assert hours_verdict(group, moment).open is is_open
    assert hours_verdict(group, moment.astimezone(UTC)).open is is_open


@pytest.mark.req("6.5.34")
def test_national_holiday_closes_even_a_seven_day_group(alfa: object) -> None:
    # Given a group open every day, 08:00 to 18:00
    group = group_with_hours("Plantão diurno", days=range(7))
    # When it is 15 November 2026, 10:00 (Proclamação da República, a Sunday)
    verdict = hours_verdict(group, sp(2026, 11, 15, 10, 0))
    # Then it is closed because of the holiday, and open the next day
    assert verdict.open is False
    assert verdict.holiday == "Proclamação da República"
    assert hours_verdict(group, sp(2026, 11, 16, 10, 0)).open is True
    # And 20 November (Consciência Negra, national since 2024) on a Friday too
    assert hours_verdict(group, sp(2026, 11, 20, 10, 0)).holiday.startswith("Dia Nacional")


@pytest.mark.req("6.5.34")
def test_a_group_may_ignore_national_holidays(alfa: object) -> None:
    group = group_with_hours("Emergência", days=range(7), observe_national_holidays=False)
    assert hours_verdict(group, sp(2026, 11, 15, 10, 0)).open is True


@pytest.mark.req("6.5.34")
def test_municipal_holiday_closes_and_takes_effect_without_restart(alfa: object) -> None:
    # Given a weekday group, open on Thursday 19 March 2026
    group = group_with_hours()
    moment = sp(2026, 3, 19, 10, 0)
    assert hours_verdict(group, moment).open is True
    # When the admin adds the city's anniversary as a recurring municipal holiday
    Holiday.objects.create(
        name="Aniversário da cidade",
        date=date(2026, 3, 19),
        kind=HolidayKind.MUNICIPAL,
        recurring=True,
    )
    # Then the same process sees it at once, this year and the next
    assert hours_verdict(group, moment) == hours_verdict(group, moment)
    assert hours_verdict(group, moment).holiday == "Aniversário da cidade"
    assert hours_verdict(group, sp(2027, 3, 19, 10, 0)).holiday == "Aniversário da cidade"
    assert hours_verdict(group, sp(2026, 3, 20, 10, 0)).open is True


@pytest.mark.req("6.5.34")
def test_optional_holidays_close_only_groups_that_observe_them(alfa: object) -> None:
    # Given two weekday groups; Carnival Tuesday is a ponto facultativo
    keeps_working = group_with_hours("Ouvidoria")
    closes = group_with_hours("Protocolo", observe_optional_holidays=True)
    Holiday.objects.create(
        name="Ponto facultativo municipal", date=date(2026, 4, 20), kind=HolidayKind.OPTIONAL
    )
    carnival = sp(2026, 2, 17, 10, 0)
    assert hours_verdict(keeps_working, carnival).open is True
    assert hours_verdict(closes, carnival).holiday == "Carnaval"
    assert hours_verdict(keeps_working, sp(2026, 4, 20, 10, 0)).open is True
    assert hours_verdict(closes, sp(2026, 4, 20, 10, 0)).holiday == "Ponto facultativo municipal"


@pytest.mark.req("6.5.34")
def test_state_holidays_come_from_the_state_chosen(alfa: object) -> None:
    # 9 July (Revolução Constitucionalista) is a São Paulo state holiday, on a Thursday in 2026
    national_only = group_with_hours("Nacional")
    paulista = group_with_hours("Paulista", state="SP")
    moment = sp(2026, 7, 9, 10, 0)
    assert hours_verdict(national_only, moment).open is True
    assert hours_verdict(paulista, moment).open is False


def test_no_group_means_always_open(alfa: object) -> None:
    assert hours_verdict(None, sp(2026, 11, 15, 3, 0)).open is True


# --- Routing by hours (6.5.35) ---------------------------------------------------------------


@pytest.mark.req("6.5.35")
def test_inside_hours_the_conversation_waits_in_its_team(desk: DeskFactory) -> None:
    team = desk.team(business_hours=group_with_hours())
    conversation = desk.conversation(team)
    outcome = route_conversation(conversation, now=sp(2026, 11, 17, 17, 59, 59))
    routing = ConversationRouting.objects.get(pk=conversation.pk)
    assert (outcome.result, outcome.team_id, outcome.notices) == ("queued", team.pk, ())
    assert (routing.state, routing.team_id) == (RoutingState.WAITING, team.pk)
    assert event_kinds(conversation) == ["queued"]
    assert outbound_texts(conversation) == []


@pytest.mark.req("6.5.35")
def test_outside_hours_the_citizen_gets_the_message_and_keeps_waiting(
    desk: DeskFactory,
) -> None:
    group = group_with_hours(off_hours_message="Atendemos das 8h às 18h. Protocolo {protocolo}.")
    team = desk.team(business_hours=group, off_hours_action=OffHoursAction.MESSAGE_KEEP)
    conversation = desk.conversation(team)
    # When it arrives at 18:00:00 exactly
    outcome = route_conversation(conversation, now=sp(2026, 11, 17, 18, 0, 0))
    conversation.refresh_from_db()
    assert (outcome.result, outcome.notices) == ("queued", ("off_hours",))
    assert outbound_texts(conversation) == [
        f"Atendemos das 8h às 18h. Protocolo {conversation.protocol}."
    ]
    assert event_kinds(conversation) == ["off_hours", "queued"]
    assert conversation.status == "queued"


@pytest.mark.req("6.5.35")
def test_outside_hours_the_conversation_may_go_to_another_team(desk: DeskFactory) -> None:
    plantao = desk.team("Plantão 24h")
    team = desk.team(
        "Protocolo",
        business_hours=group_with_hours(),
        off_hours_action=OffHoursAction.TEAM,
        off_hours_team=plantao,
    )
    conversation = desk.conversation(team)
    outcome = route_conversation(conversation, now=sp(2026, 11, 17, 22, 30))
    conversation.refresh_from_db()
    assert (outcome.result, outcome.team_id) == ("queued", plantao.pk)
    assert conversation.team_id == plantao.pk
    assert event_kinds(conversation) == ["off_hours", "queued"]
    assert outbound_texts(conversation) == []


@pytest.mark.req("6.5.35")
@pytest.mark.req("6.5.34")
def test_on_a_holiday_the_holiday_message_names_it_and_may_close(desk: DeskFactory) -> None:
    group = group_with_hours(days=range(7), holiday_message="Hoje é feriado: {feriado}.")
    team = desk.team(business_hours=group, off_hours_action=OffHoursAction.MESSAGE_CLOSE)
    conversation = desk.conversation(team)
    outcome = route_conversation(conversation, now=sp(2026, 11, 15, 10, 0))
    conversation.refresh_from_db()
    assert outcome.result == "closed"
    assert outbound_texts(conversation) == ["Hoje é feriado: Proclamação da República."]
    assert conversation.status == "closed"
    assert event_kinds(conversation) == ["closed"]
    assert ConversationRouting.objects.get(pk=conversation.pk).close_reason == "off_hours"


@pytest.mark.req("6.5.35")
def test_municipal_holiday_routes_to_the_off_hours_team(desk: DeskFactory) -> None:
    Holiday.objects.create(name="Padroeira do município", date=date(2026, 12, 8))
    plantao = desk.team("Plantão")
    team = desk.team(
        business_hours=group_with_hours(),
        off_hours_action=OffHoursAction.TEAM,
        off_hours_team=plantao,
    )
    on_holiday = desk.conversation(team)
    next_day = desk.conversation(team)
    assert route_conversation(on_holiday, now=sp(2026, 12, 8, 10, 0)).team_id == plantao.pk
    assert route_conversation(next_day, now=sp(2026, 12, 9, 10, 0)).team_id == team.pk


def test_routing_twice_changes_nothing(desk: DeskFactory) -> None:
    team = desk.team()
    conversation = desk.conversation(team)
    route_conversation(conversation)
    again = route_conversation(conversation)
    assert again.result == "already_routed"
    assert event_kinds(conversation) == ["queued"]

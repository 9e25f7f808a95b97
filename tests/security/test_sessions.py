"""Sign-in hours per user or role (6.5.33) and logout after inactivity (6.5.56)."""

from __future__ import annotations

from datetime import UTC, datetime, time
from typing import Any

import pytest
from django_tenants.utils import schema_context

from accounts.roles import Role
from security import clock
from security.models import AccessEvent, AuditEntry, LoginSchedule
from security.route_audit import audits_route
from security.services.login_hours import schedule_allows
from security.signals import LAST_SEEN_KEY
from tenants.models import Tenant
from tests.conftest import PASSWORD, MakeUser
from tests.security.conftest import SetPolicy, browser, login_post

# Wednesday 2026-03-04 in UTC; São Paulo is UTC-3 all year.
WEDNESDAY_10H_LOCAL = datetime(2026, 3, 4, 13, 0, tzinfo=UTC)
WEDNESDAY_19H_LOCAL = datetime(2026, 3, 4, 22, 0, tzinfo=UTC)
SATURDAY_10H_LOCAL = datetime(2026, 3, 7, 13, 0, tzinfo=UTC)


def at(monkeypatch: pytest.MonkeyPatch, moment: datetime) -> None:
    monkeypatch.setattr(clock, "now", lambda: moment)


@pytest.mark.req("6.5.33")
@pytest.mark.parametrize(
    ("start", "end", "weekdays", "moment", "allowed"),
    [
        (time(8), time(18), [0, 1, 2, 3, 4], WEDNESDAY_10H_LOCAL, True),
        (time(8), time(18), [0, 1, 2, 3, 4], WEDNESDAY_19H_LOCAL, False),
        (time(8), time(18), [0, 1, 2, 3, 4], SATURDAY_10H_LOCAL, False),
        (time(8), time(18), [5], SATURDAY_10H_LOCAL, True),
        # Night shift 18:00-06:00: 19h on Wednesday is inside; 02:00 Thursday belongs to it.
        (time(18), time(6), [2], WEDNESDAY_19H_LOCAL, True),
        (time(18), time(6), [2], datetime(2026, 3, 5, 5, 0, tzinfo=UTC), True),
        (time(18), time(6), [2], WEDNESDAY_10H_LOCAL, False),
    ],
)
def test_schedule_window_in_sao_paulo_time(
    start: time, end: time, weekdays: list[int], moment: datetime, allowed: bool
) -> None:
    schedule = LoginSchedule(role=Role.AGENT, start_time=start, end_time=end, weekdays=weekdays)
    assert schedule_allows(schedule, moment) is allowed


@pytest.mark.req("6.5.33")
def test_sign_in_outside_the_role_hours_is_refused(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    agent = make_user(tenant_alfa, Role.AGENT)
    client_for(tenant_alfa, admin).post(
        "/seguranca/horarios/",
        {
            "role": Role.AGENT,
            "start_time": "08:00",
            "end_time": "18:00",
            "weekdays": ["0", "1", "2", "3", "4"],
        },
    )

    at(monkeypatch, WEDNESDAY_19H_LOCAL)
    evening = login_post(browser(tenant_alfa), agent.email, PASSWORD)
    admin_evening = login_post(browser(tenant_alfa), admin.email, PASSWORD)
    at(monkeypatch, WEDNESDAY_10H_LOCAL)
    morning = login_post(browser(tenant_alfa), agent.email, PASSWORD)

    assert evening.status_code == 200
    assert "Fora do seu horário de acesso." in evening.content.decode()
    assert admin_evening.status_code == 302  # the administrator role has no schedule
    assert morning.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        assert list(
            AccessEvent.objects.filter(user_id=agent.pk)
            .order_by("id")
            .values_list("kind", "detail")
        ) == [("recusada", "fora do horário"), ("entrada", "")]


@pytest.mark.req("6.5.33")
@audits_route("tenant:security:login_schedules", "tenant:security:login_schedule_delete")
def test_a_users_own_hours_win_over_the_role(
    tenant_alfa: Tenant, make_user: MakeUser, client_for: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    admin = make_user(tenant_alfa, Role.ADMIN)
    night_agent = make_user(tenant_alfa, Role.AGENT)
    client = client_for(tenant_alfa, admin)
    client.post(
        "/seguranca/horarios/",
        {"role": Role.AGENT, "start_time": "08:00", "end_time": "18:00", "weekdays": ["2"]},
    )
    both = client.post(
        "/seguranca/horarios/",
        {
            "user": night_agent.pk,
            "role": Role.AGENT,
            "start_time": "18:00",
            "end_time": "06:00",
            "weekdays": ["2"],
        },
    )
    same = client.post(
        "/seguranca/horarios/",
        {"user": night_agent.pk, "start_time": "08:00", "end_time": "08:00", "weekdays": ["2"]},
    )
    own = client.post(
        "/seguranca/horarios/",
        {"user": night_agent.pk, "start_time": "18:00", "end_time": "06:00", "weekdays": ["2"]},
    )

    at(monkeypatch, WEDNESDAY_19H_LOCAL)
    night = login_post(browser(tenant_alfa), night_agent.email, PASSWORD)

    assert "Escolha um usuário ou um papel." in both.content.decode()
    assert "não podem ser iguais" in same.content.decode()
    assert own.status_code == 302
    assert night.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        schedule = LoginSchedule.objects.get(user=night_agent)
    removed = client.post(f"/seguranca/horarios/{schedule.pk}/remover/")
    assert removed.status_code == 302
    with schema_context(tenant_alfa.schema_name):
        assert list(
            AuditEntry.objects.filter(action__startswith="login_schedule").values_list(
                "action", flat=True
            )
        ) == ["login_schedule.set", "login_schedule.set", "login_schedule.delete"]


@pytest.mark.req("6.5.56")
def test_idle_session_is_signed_out(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, idle_timeout_minutes=15)
    agent = make_user(tenant_alfa, Role.AGENT)
    client = browser(tenant_alfa)
    login_post(client, agent.email, PASSWORD)
    assert client.get("/").status_code == 200

    session = client.session
    session[LAST_SEEN_KEY] = clock.now().timestamp() - 16 * 60
    session.save()
    idle = client.get("/seguranca/")
    after = client.get("/")

    assert idle.status_code == 302
    assert idle["Location"] == "/conta/entrar/?next=%2Fseguranca%2F"
    assert after.status_code == 302
    assert after["Location"].startswith("/conta/entrar/")
    with schema_context(tenant_alfa.schema_name):
        assert list(
            AccessEvent.objects.filter(user_id=agent.pk)
            .order_by("id")
            .values_list("kind", flat=True)
        ) == ["entrada", "inatividade"]


@pytest.mark.req("6.5.56")
def test_activity_keeps_the_session_and_background_polls_do_not(
    tenant_alfa: Tenant, make_user: MakeUser, set_policy: SetPolicy
) -> None:
    set_policy(tenant_alfa, idle_timeout_minutes=15)
    agent = make_user(tenant_alfa, Role.AGENT)
    client = browser(tenant_alfa)
    login_post(client, agent.email, PASSWORD)
    session = client.session
    ten_minutes_ago = clock.now().timestamp() - 10 * 60
    session[LAST_SEEN_KEY] = ten_minutes_ago
    session.save()

    poll = client.get("/", HTTP_X_BACKGROUND_REQUEST="1")
    stream = client.get("/", HTTP_ACCEPT="text/event-stream")
    after_poll = client.session[LAST_SEEN_KEY]
    click = client.get("/")

    assert poll.status_code == 200
    assert stream.status_code == 200
    assert after_poll == ten_minutes_ago
    assert click.status_code == 200
    assert client.session[LAST_SEEN_KEY] > ten_minutes_ago


@pytest.mark.req("6.5.56")
def test_idle_logout_is_off_by_default(tenant_alfa: Tenant, make_user: MakeUser) -> None:
    agent = make_user(tenant_alfa, Role.AGENT)
    client = browser(tenant_alfa)
    login_post(client, agent.email, PASSWORD)
    session = client.session
    session[LAST_SEEN_KEY] = clock.now().timestamp() - 24 * 3600
    session.save()

    assert client.get("/").status_code == 200

"""The hours in which a user may sign in (6.5.33), per user or per role."""

from __future__ import annotations

from datetime import datetime, time
from typing import Any

from django.db import transaction
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from accounts.models import User
from accounts.roles import Role
from security import clock
from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.models import LoginSchedule
from security.selectors import login_schedule_for

WEEKDAY_LABELS = {
    0: gettext_lazy("segunda"),
    1: gettext_lazy("terça"),
    2: gettext_lazy("quarta"),
    3: gettext_lazy("quinta"),
    4: gettext_lazy("sexta"),
    5: gettext_lazy("sábado"),
    6: gettext_lazy("domingo"),
}


def schedule_allows(schedule: LoginSchedule, at: datetime) -> bool:
    """Whether `at` falls inside the schedule, in America/Sao_Paulo wall-clock time.

    A night shift (end before start, say 22:00-06:00) belongs to the day it starts on."""
    local = at.astimezone(clock.LOCAL_TIMEZONE)
    moment = local.time()
    start, end = schedule.start_time, schedule.end_time
    if start <= end:
        return local.weekday() in schedule.weekdays and start <= moment < end
    if moment >= start:
        return local.weekday() in schedule.weekdays
    if moment < end:
        return (local.weekday() - 1) % 7 in schedule.weekdays
    return False


def login_allowed_now(user: User, at: datetime | None = None) -> bool:
    schedule = login_schedule_for(user)
    return schedule is None or schedule_allows(schedule, at or clock.now())


def _snapshot(schedule: LoginSchedule) -> dict[str, Any]:
    return {
        "user": schedule.user.email if schedule.user_id and schedule.user else "",
        "role": schedule.role,
        "start_time": schedule.start_time.strftime("%H:%M"),
        "end_time": schedule.end_time.strftime("%H:%M"),
        "weekdays": schedule.weekdays,
    }


def login_schedule_set(
    *,
    actor: Actor,
    start_time: time,
    end_time: time,
    weekdays: list[int],
    user: User | None = None,
    role: str = "",
) -> LoginSchedule:
    """Creates or replaces the schedule of one user or of one role."""
    if (user is None) == (not role):
        raise SecurityError(_("Escolha um usuário ou um papel."), field="role")
    if role and role not in Role.values:
        raise SecurityError(_("Papel desconhecido."), field="role")
    if start_time == end_time:
        raise SecurityError(
            _("O início e o fim do expediente não podem ser iguais."), field="end_time"
        )
    days = sorted({int(day) for day in weekdays})
    if not days or any(day < 0 or day > 6 for day in days):
        raise SecurityError(_("Escolha pelo menos um dia da semana."), field="weekdays")
    with transaction.atomic():
        schedule = (
            LoginSchedule.objects.filter(user=user).first()
            if user is not None
            else LoginSchedule.objects.filter(role=role).first()
        )
        before = _snapshot(schedule) if schedule is not None else None
        if schedule is None:
            schedule = LoginSchedule(user=user, role=role)
        schedule.start_time, schedule.end_time, schedule.weekdays = start_time, end_time, days
        schedule.save()
        audit_record(
            actor=actor,
            action="login_schedule.set",
            target=schedule,
            before=before,
            after=_snapshot(schedule),
        )
    return schedule


def login_schedule_remove(*, actor: Actor, schedule: LoginSchedule) -> None:
    with transaction.atomic():
        audit_record(
            actor=actor, action="login_schedule.delete", target=schedule, before=_snapshot(schedule)
        )
        schedule.delete()

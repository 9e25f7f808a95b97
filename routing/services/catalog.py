"""The admin's lists: business-hours groups and their weekly hours (6.5.34), the tenant's
holidays, dispositions (6.5.29), canned replies per team (6.5.37.1) and pause reasons
(6.5.58.14). Every write requires `manage_settings` and is audited."""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import date, time
from itertools import pairwise
from typing import Any, TypeVar

from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError, models, transaction
from django.forms.models import model_to_dict
from django.utils.translation import gettext as _

from desk.models import Team
from routing.errors import RoutingError
from routing.models import (
    BusinessHoursGroup,
    BusinessHoursInterval,
    CannedReply,
    Disposition,
    Holiday,
    HolidayKind,
    PauseReason,
)
from routing.services.access import require
from routing.services.hours import MIDNIGHT
from routing.services.words import blocked_words_in
from security.actors import Actor
from security.audit import audit_record

ModelT = TypeVar("ModelT", bound=models.Model)
_INTERVAL = re.compile(r"^\s*(\d{1,2}):(\d{2})\s*[-\u2013]\s*(\d{1,2}):(\d{2})\s*$")


def _snapshot(instance: models.Model, fields: Iterable[str]) -> dict[str, Any]:
    return model_to_dict(instance, fields=list(fields))


def _save(
    *,
    actor: Actor,
    instance: ModelT,
    changes: Mapping[str, Any],
    fields: tuple[str, ...],
    action: str,
    unique_message: str,
    unique_field: str,
) -> ModelT:
    """Applies `changes` to `instance` (new or existing), saves and audits; a unique
    constraint becomes a RoutingError on `unique_field`."""
    require(actor, "manage_settings")
    unknown = set(changes) - set(fields)
    if unknown:
        raise RoutingError(
            _("Campo desconhecido: %(field)s.") % {"field": sorted(unknown)[0]},
            code="unknown_field",
            field=sorted(unknown)[0],
        )
    adding = instance.pk is None
    before = None if adding else _snapshot(instance, fields)
    for field_name, value in changes.items():
        setattr(instance, field_name, value)
    try:
        # Uniqueness is the database's word (below), not a racy pre-check.
        instance.full_clean(validate_unique=False, validate_constraints=False)
    except ValidationError as error:
        field_name, messages = next(iter(error.message_dict.items()))
        raise RoutingError(
            " ".join(str(message) for message in messages),
            code="invalid",
            field=None if field_name == NON_FIELD_ERRORS else field_name,
        ) from error
    try:
        with transaction.atomic():
            instance.save()
            audit_record(
                actor=actor,
                action=action + (".create" if adding else ".update"),
                target=instance,
                before=before,
                after=_snapshot(instance, fields),
            )
    except IntegrityError as error:
        raise RoutingError(unique_message, code="duplicate", field=unique_field) from error
    return instance


def _delete(*, actor: Actor, instance: models.Model, action: str, fields: tuple[str, ...]) -> None:
    require(actor, "manage_settings")
    with transaction.atomic():
        audit_record(
            actor=actor,
            action=action + ".delete",
            target=instance,
            before=_snapshot(instance, fields),
        )
        instance.delete()


# --- Business hours (6.5.34) ---------------------------------------------------------------

GROUP_FIELDS = (
    "name",
    "observe_national_holidays",
    "state",
    "observe_optional_holidays",
    "off_hours_message",
    "holiday_message",
)


def hours_group_save(
    *, actor: Actor, group: BusinessHoursGroup | None = None, changes: Mapping[str, Any]
) -> BusinessHoursGroup:
    return _save(
        actor=actor,
        instance=group or BusinessHoursGroup(),
        changes=changes,
        fields=GROUP_FIELDS,
        action="routing.hours_group",
        unique_message=_("Já existe um grupo de horários com este nome."),
        unique_field="name",
    )


def hours_group_delete(*, actor: Actor, group: BusinessHoursGroup) -> None:
    _delete(actor=actor, instance=group, action="routing.hours_group", fields=GROUP_FIELDS)


def intervals_parse(text: str) -> list[tuple[time, time]]:
    """ "08:00-12:00, 13:00-18:00" -> intervals; "" -> closed all day. "18:00-00:00" runs to
    midnight. Overlaps and backwards intervals are refused."""
    intervals: list[tuple[time, time]] = []
    for chunk in filter(None, (part.strip() for part in (text or "").split(","))):
        match = _INTERVAL.match(chunk)
        if match is None:
            raise RoutingError(
                _("Use o formato 08:00-12:00, separando intervalos por vírgula."),
                code="hours_format",
                field="hours",
            )
        start_h, start_m, end_h, end_m = (int(group) for group in match.groups())
        if start_h > 23 or end_h > 23 or start_m > 59 or end_m > 59:
            raise RoutingError(
                _("Horário inválido: %(value)s.") % {"value": chunk},
                code="hours_format",
                field="hours",
            )
        start, end = time(start_h, start_m), time(end_h, end_m)
        if end != MIDNIGHT and end <= start:
            raise RoutingError(
                _("O fim deve ser depois do início: %(value)s.") % {"value": chunk},
                code="hours_order",
                field="hours",
            )
        intervals.append((start, end))
    intervals.sort()
    for (_s1, end1), (start2, _e2) in pairwise(intervals):
        if end1 == MIDNIGHT or start2 < end1:
            raise RoutingError(
                _("Os intervalos de um dia não podem se sobrepor."),
                code="hours_overlap",
                field="hours",
            )
    return intervals


def intervals_format(intervals: Iterable[BusinessHoursInterval]) -> str:
    return ", ".join(f"{item.start_time:%H:%M}-{item.end_time:%H:%M}" for item in intervals)


def hours_week_set(
    *, actor: Actor, group: BusinessHoursGroup, week: Mapping[int, list[tuple[time, time]]]
) -> BusinessHoursGroup:
    """Replaces the group's weekly hours: weekday (0 = Monday) -> intervals."""
    require(actor, "manage_settings")
    with transaction.atomic():
        before = {
            str(day): intervals_format(group.intervals.filter(weekday=day)) for day in range(7)
        }
        group.intervals.all().delete()
        BusinessHoursInterval.objects.bulk_create(
            [
                BusinessHoursInterval(group=group, weekday=day, start_time=start, end_time=end)
                for day in range(7)
                for start, end in week.get(day, [])
            ]
        )
        after = {
            str(day): intervals_format(group.intervals.filter(weekday=day)) for day in range(7)
        }
        if before != after:
            audit_record(
                actor=actor,
                action="routing.hours_group.week",
                target=group,
                before=before,
                after=after,
            )
    return group


# --- Holidays --------------------------------------------------------------------------------

HOLIDAY_FIELDS = ("name", "date", "kind", "recurring")


def holiday_add(
    *,
    actor: Actor,
    name: str,
    day: date,
    kind: str = HolidayKind.MUNICIPAL,
    recurring: bool = False,
) -> Holiday:
    if kind not in HolidayKind.values:
        raise RoutingError(_("Tipo de feriado inválido."), code="invalid", field="kind")
    return _save(
        actor=actor,
        instance=Holiday(),
        changes={"name": (name or "").strip(), "date": day, "kind": kind, "recurring": recurring},
        fields=HOLIDAY_FIELDS,
        action="routing.holiday",
        unique_message=_("Este feriado já está cadastrado nesta data."),
        unique_field="name",
    )


def holiday_remove(*, actor: Actor, holiday: Holiday) -> None:
    _delete(actor=actor, instance=holiday, action="routing.holiday", fields=HOLIDAY_FIELDS)


# --- Dispositions (6.5.29) ---------------------------------------------------------------------


def disposition_save(
    *,
    actor: Actor,
    disposition: Disposition | None = None,
    name: str,
    is_active: bool = True,
    teams: Iterable[Team] = (),
) -> Disposition:
    with transaction.atomic():
        teams_before = (
            sorted(disposition.teams.values_list("pk", flat=True))
            if disposition is not None and disposition.pk
            else []
        )
        saved = _save(
            actor=actor,
            instance=disposition or Disposition(),
            changes={"name": (name or "").strip(), "is_active": is_active},
            fields=("name", "is_active"),
            action="routing.disposition",
            unique_message=_("Já existe uma tabulação com este nome."),
            unique_field="name",
        )
        saved.teams.set(list(teams))
        teams_after = sorted(saved.teams.values_list("pk", flat=True))
        if teams_after != teams_before:
            audit_record(
                actor=actor,
                action="routing.disposition.teams",
                target=saved,
                before={"teams": teams_before},
                after={"teams": teams_after},
            )
    return saved


# --- Canned replies (6.5.37.1) -----------------------------------------------------------------

CANNED_FIELDS = ("team", "shortcut", "title", "text", "is_active")


def canned_reply_save(
    *, actor: Actor, reply: CannedReply | None = None, changes: Mapping[str, Any]
) -> CannedReply:
    """A canned reply may not contain blocked words: the agent could not send it."""
    text = changes.get("text", reply.text if reply else "")
    found = blocked_words_in(text)
    if found:
        raise RoutingError(
            _("O texto contém palavras não permitidas: %(words)s.") % {"words": ", ".join(found)},
            code="blocked_words",
            field="text",
        )
    return _save(
        actor=actor,
        instance=reply or CannedReply(),
        changes=changes,
        fields=CANNED_FIELDS,
        action="routing.canned_reply",
        unique_message=_("Já existe uma mensagem com este atalho nesta equipe."),
        unique_field="shortcut",
    )


def canned_reply_delete(*, actor: Actor, reply: CannedReply) -> None:
    _delete(actor=actor, instance=reply, action="routing.canned_reply", fields=CANNED_FIELDS)


# --- Pause reasons (6.5.58.14) -----------------------------------------------------------------

PAUSE_FIELDS = ("name", "auto_reply", "is_active")


def pause_reason_save(
    *, actor: Actor, reason: PauseReason | None = None, changes: Mapping[str, Any]
) -> PauseReason:
    return _save(
        actor=actor,
        instance=reason or PauseReason(),
        changes=changes,
        fields=PAUSE_FIELDS,
        action="routing.pause_reason",
        unique_message=_("Já existe um motivo de pausa com este nome."),
        unique_field="name",
    )

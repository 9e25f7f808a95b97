"""Teams as routing sees them: settings with defaults, members (6.5.37.6), served channels
(6.5.23.14), and the admin's writes to them."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from django.db import IntegrityError, transaction
from django.db.models import Q
from django.forms.models import model_to_dict
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from channels.models import Channel
from desk.errors import DeskError
from desk.models import Team
from routing.errors import RoutingError
from routing.models import (
    AgentState,
    OffHoursAction,
    OverflowAction,
    TeamMembership,
    TeamSettings,
)
from routing.services.access import require
from security.actors import Actor
from security.audit import audit_record

SETTINGS_FIELDS = (
    "description",
    "business_hours",
    "off_hours_action",
    "off_hours_team",
    "overflow_action",
    "overflow_team",
    "overflow_message",
    "inactivity_timeout_minutes",
    "inactivity_message",
    "closing_message",
    "announce_agent",
    "announce_message",
    "agent_name_on_messages",
    "queue_notice",
    "queue_notice_message",
    "queue_estimate_message",
    "average_handling_minutes",
    "disposition_required",
    "survey_enabled",
    "survey_message",
    "survey_expiry_minutes",
)


def team_settings(team_id: int) -> TeamSettings:
    """The team's settings; a team nobody configured gets the defaults (saved, so later
    edits have a row to change)."""
    settings, _created = TeamSettings.objects.get_or_create(team_id=team_id)
    return settings


def team_serves_channel(team_id: int, channel_id: int) -> bool:
    """6.5.23.14: a team with no channels chosen serves them all."""
    chosen = TeamSettings.channels.through.objects.filter(teamsettings_id=team_id)
    return not chosen.exists() or chosen.filter(channel_id=channel_id).exists()


def team_for_channel(channel: Channel) -> Team:
    """Where a new conversation of the channel queues when the pipeline named no team: the
    channel's default team, else the first team that lists the channel, else the default."""
    if channel.default_team_id:
        return Team.objects.get(pk=channel.default_team_id)
    listed = Team.objects.filter(routing_settings__channels=channel).order_by("pk").first()
    if listed is not None:
        return listed
    from desk.services.teams import team_default

    return team_default()


def _snapshot(settings: TeamSettings) -> dict[str, Any]:
    data = model_to_dict(settings, fields=SETTINGS_FIELDS)
    data["channels"] = sorted(settings.channels.values_list("pk", flat=True))
    return data


def _validate(team: Team, changes: Mapping[str, Any]) -> None:
    off_action = changes.get("off_hours_action")
    if off_action is not None and off_action not in OffHoursAction.values:
        raise RoutingError(_("Opção inválida."), code="invalid", field="off_hours_action")
    overflow = changes.get("overflow_action")
    if overflow is not None and overflow not in OverflowAction.values:
        raise RoutingError(_("Opção inválida."), code="invalid", field="overflow_action")
    for field_name in ("off_hours_team", "overflow_team"):
        other = changes.get(field_name)
        if other is not None and getattr(other, "pk", other) == team.pk:
            raise RoutingError(
                _("Escolha uma equipe diferente desta."), code="same_team", field=field_name
            )
    if off_action == OffHoursAction.TEAM and not changes.get("off_hours_team"):
        raise RoutingError(
            _("Escolha a equipe que atende fora do expediente."),
            code="team_required",
            field="off_hours_team",
        )
    if overflow == OverflowAction.TEAM and not changes.get("overflow_team"):
        raise RoutingError(
            _("Escolha a equipe de transbordo."), code="team_required", field="overflow_team"
        )
    minutes = changes.get("inactivity_timeout_minutes")
    if minutes is not None and int(minutes) < 1:
        raise RoutingError(
            _("O tempo de inatividade é de pelo menos 1 minuto."),
            code="invalid",
            field="inactivity_timeout_minutes",
        )
    expiry = changes.get("survey_expiry_minutes")
    if expiry is not None and int(expiry) < 1:
        raise RoutingError(
            _("O prazo da pesquisa é de pelo menos 1 minuto."),
            code="invalid",
            field="survey_expiry_minutes",
        )


def team_create(*, actor: Actor, name: str, changes: Mapping[str, Any] | None = None) -> Team:
    require(actor, "manage_settings")
    from desk.services.teams import team_create as desk_team_create

    with transaction.atomic():
        try:
            team = desk_team_create(actor=actor, name=name)
        except DeskError as error:
            raise RoutingError(error.message, code=error.code, field="name") from error
        team_settings(team.pk)
        if changes:
            team_settings_update(actor=actor, team=team, changes=changes)
    return team


def team_rename(*, actor: Actor, team: Team, name: str) -> Team:
    require(actor, "manage_settings")
    name = (name or "").strip()
    if not name:
        raise RoutingError(_("Informe o nome da equipe."), code="team_name", field="name")
    if name == team.name:
        return team
    before = team.name
    try:
        with transaction.atomic():
            Team.objects.filter(pk=team.pk).update(name=name[:120])
            team.name = name[:120]
            audit_record(
                actor=actor,
                action="team.rename",
                target=team,
                before={"name": before},
                after={"name": team.name},
            )
    except IntegrityError as error:
        raise RoutingError(
            _("Já existe uma equipe com este nome."), code="team_name_taken", field="name"
        ) from error
    return team


def team_settings_update(*, actor: Actor, team: Team, changes: Mapping[str, Any]) -> TeamSettings:
    """Changes any of SETTINGS_FIELDS and `channels` (an iterable of channels or ids)."""
    require(actor, "manage_settings")
    unknown = set(changes) - set(SETTINGS_FIELDS) - {"channels"}
    if unknown:
        raise RoutingError(
            _("Campo desconhecido: %(field)s.") % {"field": sorted(unknown)[0]},
            code="unknown_field",
            field=sorted(unknown)[0],
        )
    merged = {**_snapshot_objects(team_settings(team.pk)), **changes}
    _validate(team, merged)
    with transaction.atomic():
        settings = TeamSettings.objects.select_for_update().get(pk=team.pk)
        before = _snapshot(settings)
        for field_name, value in changes.items():
            if field_name != "channels":
                setattr(settings, field_name, value)
        settings.save()
        if "channels" in changes:
            ids = [getattr(item, "pk", item) for item in changes["channels"] or []]
            settings.channels.set(Channel.objects.filter(pk__in=ids))
        after = _snapshot(settings)
        if before != after:
            audit_record(
                actor=actor, action="team.settings.update", target=team, before=before, after=after
            )
    return settings


def _snapshot_objects(settings: TeamSettings) -> dict[str, Any]:
    return {field_name: getattr(settings, field_name) for field_name in SETTINGS_FIELDS}


def team_members_set(*, actor: Actor, team: Team, users: Iterable[User]) -> list[int]:
    """6.5.37.6: exactly these agents may log into the team. Someone removed while logged in
    is logged out of it; the conversations they hold stay with them."""
    from routing.services.agents import agent_member_removed

    require(actor, "manage_settings")
    wanted = {user.pk for user in users}
    servers = set(
        User.objects.filter(pk__in=wanted, is_active=True)
        .filter(Q(groups__permissions__codename="serve") | Q(user_permissions__codename="serve"))
        .values_list("pk", flat=True)
    )
    if wanted - servers:
        raise RoutingError(
            _("Só usuários ativos com permissão de atender podem ser membros de equipe."),
            code="member_cannot_serve",
            field="members",
        )
    with transaction.atomic():
        current = set(TeamMembership.objects.filter(team=team).values_list("user_id", flat=True))
        removed, added = current - wanted, wanted - current
        for user_id in sorted(removed):
            # The agent's row first: the same lock order as the dispatcher (docs/adr/0060).
            AgentState.objects.select_for_update().filter(pk=user_id).first()
            TeamMembership.objects.filter(team=team, user_id=user_id).delete()
            agent_member_removed(user_id, timezone.now())
        TeamMembership.objects.bulk_create(
            [TeamMembership(team=team, user_id=user_id) for user_id in sorted(added)]
        )
        if removed or added:
            audit_record(
                actor=actor,
                action="team.members.set",
                target=team,
                before={"members": sorted(current)},
                after={"members": sorted(wanted)},
            )
    return sorted(wanted)

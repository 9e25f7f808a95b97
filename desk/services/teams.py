from __future__ import annotations

from django.db import IntegrityError, transaction
from django.utils.translation import gettext as _

from desk.errors import DeskError
from desk.models import Team
from security.actors import Actor
from security.audit import audit_record

DEFAULT_TEAM_NAME = "Atendimento"


def team_create(*, actor: Actor, name: str) -> Team:
    name = (name or "").strip()
    if not name:
        raise DeskError(_("Informe o nome da equipe."), code="team_name_required", field="name")
    try:
        with transaction.atomic():
            team = Team.objects.create(name=name[:120])
            audit_record(actor=actor, action="team.create", target=team, after={"name": team.name})
    except IntegrityError as error:
        raise DeskError(
            _("Já existe uma equipe com este nome."), code="team_name_taken", field="name"
        ) from error
    return team


def team_default() -> Team:
    """The team a channel's conversations queue for when its admin chose none."""
    team, _created = Team.objects.get_or_create(name=DEFAULT_TEAM_NAME)
    return team

"""The teams and standard-messages steps of the onboarding checklist (REQ 6.7.1.4, 6.7.1.7),
checked in the client's schema.

- Teams: done once a team has at least one active member. The default team ("Atendimento")
  that the platform creates with the first channel does not count on its own: a group of
  attendance is its agents.
- Standard messages: done when every team has a message that opens the atendimento (the
  agent's introduction when taking it, or the protocol notice some active channel sends when it
  opens) and a non-empty closing message. The platform's default texts count: they are real
  messages the citizen receives, and the detail says how many teams changed them.
"""

from __future__ import annotations

from django.utils.translation import gettext as _

from channels.models import Channel
from controlplane.onboarding import StepResult, register_onboarding_check
from desk.models import Team
from routing.models import TeamMembership, TeamSettings
from tenants.models import Tenant


def teams_created(tenant: Tenant) -> StepResult:
    teams = Team.objects.count()
    staffed = (
        TeamMembership.objects.filter(user__is_active=True).values("team_id").distinct().count()
    )
    detail = _("%(teams)d equipe(s), %(staffed)d com atendentes.") % {
        "teams": teams,
        "staffed": staffed,
    }
    return StepResult.done(detail) if staffed else StepResult.pending(detail)


def standard_messages(tenant: Tenant) -> StepResult:
    teams = list(Team.objects.order_by("name"))
    if not teams:
        return StepResult.pending(_("Nenhuma equipe ainda."))
    settings = {row.team_id: row for row in TeamSettings.objects.filter(team__in=teams)}
    protocol_notice = Channel.objects.filter(is_active=True, protocol_notice=True).exists()
    defaults = TeamSettings()  # the platform's texts, in the active language
    missing: list[str] = []
    customized = 0
    for team in teams:
        row = settings.get(team.pk) or TeamSettings(team=team)
        opens = protocol_notice or (row.announce_agent and bool(row.announce_message.strip()))
        closes = bool(row.closing_message.strip())
        if not (opens and closes):
            missing.append(team.name)
        if row.closing_message != str(defaults.closing_message) or (
            row.announce_message != str(defaults.announce_message)
        ):
            customized += 1
    if missing:
        return StepResult.pending(
            _("Sem mensagem de início ou de encerramento: %(teams)s.")
            % {"teams": ", ".join(missing)}
        )
    return StepResult.done(
        _("%(n)d equipe(s) com mensagens de início e encerramento; %(custom)d personalizada(s).")
        % {"n": len(teams), "custom": customized}
    )


def register() -> None:
    register_onboarding_check("teams", teams_created)
    register_onboarding_check("standard_messages", standard_messages)

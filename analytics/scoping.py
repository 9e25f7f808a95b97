"""Which rows of a report a user may read (6.5.48 with roles): administrators and auditors
every team; a supervisor only the teams they belong to (and, in reports of agents, the agents
of those teams)."""

from __future__ import annotations

from typing import Any

from core.permissions import has_capability
from routing.models import TeamMembership


def team_scope(user: Any) -> frozenset[int] | None:
    """None: every team. Otherwise the team ids the user may read (maybe none)."""
    if has_capability(user, "view_audit_log"):
        return None
    if has_capability(user, "supervise"):
        return frozenset(
            TeamMembership.objects.filter(user_id=user.pk).values_list("team_id", flat=True)
        )
    return frozenset()


def report_scope(user: Any, kind: str) -> frozenset[int] | None:
    """The ids a report scoped by `kind` ("team" or "agent") may show to `user`."""
    teams = team_scope(user)
    if teams is None or kind == "team":
        return teams
    return frozenset(
        TeamMembership.objects.filter(team_id__in=teams).values_list("user_id", flat=True)
    )

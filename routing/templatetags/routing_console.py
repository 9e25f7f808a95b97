"""Template pieces of the per-team console settings, so the team screen and the agent console
include them with one line each: the admin's form (6.5.37.3, 6.5.37.4, 6.5.37.8) and the
stylesheet link of the agent's team background (6.5.37.8)."""

from __future__ import annotations

from typing import Any

from django import template
from django.urls import reverse
from django.utils.html import format_html

from desk.models import Conversation, Team
from desk.services.media import media_link_token
from routing.console_forms import TeamConsoleForm
from routing.models import HistoryVisibility, TeamConsoleSettings
from routing.services.console_settings import console_background_for

register = template.Library()


@register.inclusion_tag("routing/_team_console.html")
def team_console_form(team: Team) -> dict[str, Any]:
    settings = (
        TeamConsoleSettings.objects.select_related("background").filter(team_id=team.pk).first()
    )
    background = settings.background if settings is not None else None
    form = TeamConsoleForm(
        initial={
            "history_visibility": settings.history_visibility if settings else HistoryVisibility.ALL
        }
    )
    return {
        "team": team,
        "console_form": form,
        "background": background,
        "background_url": (
            reverse("desk:media_link", args=[media_link_token(background)]) if background else ""
        ),
    }


@register.simple_tag(takes_context=True)
def console_background_stylesheet(
    context: template.Context, conversation: Conversation | None = None
) -> str:
    """`<link>` to the background stylesheet of the agent's team, or nothing."""
    request = context.get("request")
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return ""
    found = console_background_for(user, conversation or None)
    if found is None:
        return ""
    team_id, _background = found
    return format_html(
        '<link rel="stylesheet" href="{}" data-team-background="{}">',
        reverse("routing:team_background_css", args=[team_id]),
        team_id,
    )

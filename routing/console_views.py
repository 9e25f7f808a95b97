"""Screens of the per-team console settings and of agents' codenames, on the tenant host
under /roteamento/: the admin's writes (capability `manage_settings`) and the stylesheet that
puts a team's background image behind the console's conversation area (6.5.37.8)."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from core.permissions import capability_required, has_capability
from desk.models import Team
from desk.services.media import media_link_token
from routing.console_forms import AgentCodenameForm, TeamConsoleForm
from routing.errors import RoutingError
from routing.models import AgentCodename, CodenameUnavailable, TeamConsoleSettings, TeamMembership
from routing.selectors import serving_user_list
from routing.services.codenames import agent_codename_set
from routing.services.console_settings import (
    team_background_remove,
    team_background_set,
    team_history_visibility_set,
)
from security.actors import Actor

admin_only = capability_required("manage_settings")


@admin_only
@require_POST
def team_console(request: HttpRequest, team_id: int) -> HttpResponse:
    """The "Tela de atendimento" section of the team screen: history and background."""
    team = get_object_or_404(Team, pk=team_id)
    form = TeamConsoleForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("routing:team_edit", team_id=team.pk)
    actor = Actor.from_request(request)
    try:
        team_history_visibility_set(
            actor=actor, team=team, visibility=form.cleaned_data["history_visibility"]
        )
        upload = form.cleaned_data["background"]
        if upload:
            team_background_set(
                actor=actor, team=team, content=upload.read(), original_name=upload.name or ""
            )
        elif form.cleaned_data["remove_background"]:
            team_background_remove(actor=actor, team=team)
    except RoutingError as error:
        messages.error(request, error.message)
        return redirect("routing:team_edit", team_id=team.pk)
    messages.success(request, _("Tela de atendimento da equipe salva."))
    return redirect("routing:team_edit", team_id=team.pk)


@capability_required("serve")
@require_safe
def team_background_css(request: HttpRequest, team_id: int) -> HttpResponse:
    """The team's background behind `#conversation-pane`, for its members and supervisors: a
    stylesheet on this host, as the content security policy allows no inline styles. A light
    veil over the image keeps the conversation's text at the contrast it has without it."""
    user: User = request.user  # type: ignore[assignment]
    if not (
        has_capability(user, "supervise")
        or TeamMembership.objects.filter(team_id=team_id, user_id=user.pk).exists()
    ):
        raise Http404
    settings = (
        TeamConsoleSettings.objects.select_related("background")
        .filter(team_id=team_id, background__isnull=False)
        .first()
    )
    if settings is None or settings.background is None:
        raise Http404
    url = reverse("desk:media_link", args=[media_link_token(settings.background)])
    css = (
        "#conversation-pane{"
        "background-image:linear-gradient(rgba(255,255,255,.88),rgba(255,255,255,.88)),"
        f'url("{url}");'
        "background-size:cover;background-position:center;background-attachment:local}\n"
    )
    response = HttpResponse(css, content_type="text/css; charset=utf-8")
    response["Cache-Control"] = "private, max-age=300"
    response["X-Content-Type-Options"] = "nosniff"
    return response


@admin_only
@require_http_methods(["GET", "POST"])
def agent_codename(request: HttpRequest, user_id: int) -> HttpResponse:
    """6.5.58.5: the admin gives an agent a codename (or removes it)."""
    user = get_object_or_404(serving_user_list(), pk=user_id)
    current = AgentCodename.objects.filter(user=user).first()
    form = AgentCodenameForm(
        request.POST or None,
        initial={
            "codename": current.codename if current else "",
            "when_unavailable": current.when_unavailable if current else CodenameUnavailable.WAIT,
        },
    )
    if request.method == "POST" and form.is_valid():
        try:
            agent_codename_set(
                actor=Actor.from_request(request),
                user=user,
                codename=form.cleaned_data["codename"],
                when_unavailable=form.cleaned_data["when_unavailable"],
            )
        except RoutingError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Codinome de %(name)s salvo.") % {"name": user.full_name})
            return redirect("routing:agent_list")
    return render(
        request, "routing/agent_codename.html", {"agent": user, "form": form, "current": current}
    )

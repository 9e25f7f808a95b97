"""The tenant admin's routing screens (capability `manage_settings`): teams and their rules,
members, business hours and holidays, dispositions, canned replies, pause reasons, word lists
and agents' capacity. Thin: a form, one service call, a redirect."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from django import forms
from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from core.permissions import capability_required
from core.timezones import SAO_PAULO
from desk.models import Team
from routing import forms as routing_forms
from routing import selectors
from routing.errors import RoutingError
from routing.models import (
    BusinessHoursGroup,
    CannedReply,
    Disposition,
    Holiday,
    PauseReason,
    RestrictedWord,
    WordKind,
)
from routing.models.hours import WEEKDAY_CHOICES
from routing.services import agents as agent_services
from routing.services import catalog
from routing.services import teams as team_services
from routing.services.dispatch import agent_load
from routing.services.hours import national_holidays
from routing.services.words import word_list_set
from security.actors import Actor

admin_only = capability_required("manage_settings")


def _attempt(form: forms.BaseForm, action: Callable[[], Any]) -> bool:
    """Runs a service call; a RoutingError becomes the form's error on its field."""
    try:
        action()
    except RoutingError as error:
        field = error.field if error.field in form.fields else None
        form.add_error(field, error.message)
        return False
    return True


@admin_only
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "routing/index.html")


# --- Teams ------------------------------------------------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def team_list(request: HttpRequest) -> HttpResponse:
    form = routing_forms.TeamCreateForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        created: list[Team] = []
        if _attempt(
            form,
            lambda: created.append(
                team_services.team_create(
                    actor=Actor.from_request(request), name=form.cleaned_data["name"]
                )
            ),
        ):
            messages.success(request, _("Equipe criada. Configure suas regras."))
            return redirect("routing:team_edit", team_id=created[0].pk)
    teams = [
        (team, team_services.team_settings(team.pk), selectors.team_member_list(team).count())
        for team in selectors.team_list()
    ]
    return render(request, "routing/teams.html", {"form": form, "teams": teams})


@admin_only
@require_http_methods(["GET", "POST"])
def team_edit(request: HttpRequest, team_id: int) -> HttpResponse:
    team = get_object_or_404(Team, pk=team_id)
    settings = team_services.team_settings(team.pk)
    actor = Actor.from_request(request)
    section = request.POST.get("section") if request.method == "POST" else None
    form = routing_forms.TeamSettingsForm(
        request.POST if section == "settings" else None, instance=settings, team=team
    )
    members_form = routing_forms.TeamMembersForm(
        request.POST if section == "members" else None,
        initial={"members": [m.user for m in selectors.team_member_list(team)]},
    )
    if section == "settings" and form.is_valid():
        changes = {name: form.cleaned_data[name] for name in team_services.SETTINGS_FIELDS}
        changes["channels"] = list(form.cleaned_data["channels"])

        def save() -> None:
            team_services.team_rename(actor=actor, team=team, name=form.cleaned_data["name"])
            team_services.team_settings_update(actor=actor, team=team, changes=changes)

        if _attempt(form, save):
            messages.success(request, _("Regras da equipe salvas."))
            return redirect("routing:team_edit", team_id=team.pk)
    if section == "members" and members_form.is_valid():
        users = list(members_form.cleaned_data["members"])
        if _attempt(
            members_form,
            lambda: team_services.team_members_set(actor=actor, team=team, users=users),
        ):
            messages.success(request, _("Membros da equipe salvos."))
            return redirect("routing:team_edit", team_id=team.pk)
    return render(
        request,
        "routing/team_edit.html",
        {"team": team, "form": form, "members_form": members_form},
    )


# --- Business hours and holidays (6.5.34) -----------------------------------------------------


def _week_text(group: BusinessHoursGroup) -> dict[int, str]:
    return {
        day: catalog.intervals_format(group.intervals.filter(weekday=day))
        for day, _label in WEEKDAY_CHOICES
    }


def _hours_form_save(
    request: HttpRequest, form: routing_forms.HoursGroupForm, group: BusinessHoursGroup | None
) -> BusinessHoursGroup | None:
    actor = Actor.from_request(request)
    week: dict[int, list[Any]] = {}
    for day, _label in WEEKDAY_CHOICES:
        try:
            week[day] = catalog.intervals_parse(form.cleaned_data[f"day_{day}"])
        except RoutingError as error:
            form.add_error(f"day_{day}", error.message)
    if form.errors:
        return None
    fields = routing_forms.HoursGroupForm.Meta.fields
    saved: list[BusinessHoursGroup] = []

    def save() -> None:
        changed = catalog.hours_group_save(
            actor=actor, group=group, changes={name: form.cleaned_data[name] for name in fields}
        )
        catalog.hours_week_set(actor=actor, group=changed, week=week)
        saved.append(changed)

    return saved[0] if _attempt(form, save) else None


@admin_only
@require_http_methods(["GET", "POST"])
def hours_list(request: HttpRequest) -> HttpResponse:
    form = routing_forms.HoursGroupForm(request.POST or None, instance=BusinessHoursGroup())
    if request.method == "POST" and form.is_valid():
        group = _hours_form_save(request, form, None)
        if group is not None:
            messages.success(request, _("Grupo de horários criado."))
            return redirect("routing:hours_list")
    groups = [(group, _week_text(group)) for group in BusinessHoursGroup.objects.all()]
    return render(
        request, "routing/hours.html", {"form": form, "groups": groups, "weekdays": WEEKDAY_CHOICES}
    )


@admin_only
@require_http_methods(["GET", "POST"])
def hours_edit(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(BusinessHoursGroup, pk=group_id)
    form = routing_forms.HoursGroupForm(
        request.POST or None, instance=group, week=_week_text(group)
    )
    if (
        request.method == "POST"
        and form.is_valid()
        and _hours_form_save(request, form, BusinessHoursGroup.objects.get(pk=group.pk))
    ):
        messages.success(request, _("Grupo de horários salvo."))
        return redirect("routing:hours_list")
    return render(request, "routing/hours_edit.html", {"form": form, "group": group})


@admin_only
@require_POST
def hours_delete(request: HttpRequest, group_id: int) -> HttpResponse:
    group = get_object_or_404(BusinessHoursGroup, pk=group_id)
    catalog.hours_group_delete(actor=Actor.from_request(request), group=group)
    messages.success(request, _("Grupo de horários removido."))
    return redirect("routing:hours_list")


@admin_only
@require_http_methods(["GET", "POST"])
def holiday_list(request: HttpRequest) -> HttpResponse:
    form = routing_forms.HolidayForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        if _attempt(
            form,
            lambda: catalog.holiday_add(
                actor=Actor.from_request(request),
                name=data["name"],
                day=data["date"],
                kind=data["kind"],
                recurring=data["recurring"],
            ),
        ):
            messages.success(request, _("Feriado incluído."))
            return redirect("routing:holiday_list")
    try:
        year = int(request.GET.get("ano", ""))
    except ValueError:
        year = timezone.now().astimezone(SAO_PAULO).year
    year = min(max(year, 2000), 2100)
    return render(
        request,
        "routing/holidays.html",
        {
            "form": form,
            "holidays": Holiday.objects.all(),
            "year": year,
            "national": national_holidays(year),
        },
    )


@admin_only
@require_POST
def holiday_delete(request: HttpRequest, holiday_id: int) -> HttpResponse:
    holiday = get_object_or_404(Holiday, pk=holiday_id)
    catalog.holiday_remove(actor=Actor.from_request(request), holiday=holiday)
    messages.success(request, _("Feriado removido."))
    return redirect("routing:holiday_list")


# --- Dispositions, canned replies, pause reasons -------------------------------------------


@admin_only
@require_http_methods(["GET", "POST"])
def disposition_list(request: HttpRequest, disposition_id: int | None = None) -> HttpResponse:
    disposition = get_object_or_404(Disposition, pk=disposition_id) if disposition_id else None
    form = routing_forms.DispositionForm(request.POST or None, instance=disposition)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        original = Disposition.objects.get(pk=disposition.pk) if disposition else None
        if _attempt(
            form,
            lambda: catalog.disposition_save(
                actor=Actor.from_request(request),
                disposition=original,
                name=data["name"],
                is_active=data["is_active"],
                teams=data["teams"],
            ),
        ):
            messages.success(request, _("Tabulação salva."))
            return redirect("routing:disposition_list")
    return render(
        request,
        "routing/dispositions.html",
        {
            "form": form,
            "editing": disposition,
            "dispositions": Disposition.objects.prefetch_related("teams"),
        },
    )


@admin_only
@require_http_methods(["GET", "POST"])
def canned_reply_list(request: HttpRequest, reply_id: int | None = None) -> HttpResponse:
    reply = get_object_or_404(CannedReply, pk=reply_id) if reply_id else None
    form = routing_forms.CannedReplyForm(request.POST or None, instance=reply)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        original = CannedReply.objects.get(pk=reply.pk) if reply else None
        if _attempt(
            form,
            lambda: catalog.canned_reply_save(
                actor=Actor.from_request(request), reply=original, changes=changes
            ),
        ):
            messages.success(request, _("Mensagem pré-definida salva."))
            return redirect("routing:canned_reply_list")
    return render(
        request,
        "routing/canned_replies.html",
        {
            "form": form,
            "editing": reply,
            "replies": CannedReply.objects.select_related("team").order_by(
                "team__name", "shortcut"
            ),
        },
    )


@admin_only
@require_POST
def canned_reply_delete(request: HttpRequest, reply_id: int) -> HttpResponse:
    reply = get_object_or_404(CannedReply, pk=reply_id)
    catalog.canned_reply_delete(actor=Actor.from_request(request), reply=reply)
    messages.success(request, _("Mensagem pré-definida removida."))
    return redirect("routing:canned_reply_list")


@admin_only
@require_http_methods(["GET", "POST"])
def pause_reason_list(request: HttpRequest, reason_id: int | None = None) -> HttpResponse:
    reason = get_object_or_404(PauseReason, pk=reason_id) if reason_id else None
    form = routing_forms.PauseReasonForm(request.POST or None, instance=reason)
    if request.method == "POST" and form.is_valid():
        changes = dict(form.cleaned_data)
        original = PauseReason.objects.get(pk=reason.pk) if reason else None
        if _attempt(
            form,
            lambda: catalog.pause_reason_save(
                actor=Actor.from_request(request), reason=original, changes=changes
            ),
        ):
            messages.success(request, _("Motivo de pausa salvo."))
            return redirect("routing:pause_reason_list")
    return render(
        request,
        "routing/pause_reasons.html",
        {
            "form": form,
            "editing": reason,
            "reasons": PauseReason.objects.all(),
        },
    )


# --- Word lists and agents -----------------------------------------------------------------


def _terms_text(kind: str) -> str:
    return "\n".join(RestrictedWord.objects.filter(kind=kind).values_list("term", flat=True))


@admin_only
@require_http_methods(["GET", "POST"])
def word_lists(request: HttpRequest) -> HttpResponse:
    form = routing_forms.WordListsForm(
        request.POST or None,
        initial={
            "start_stop": _terms_text(WordKind.START_STOP),
            "blocked": _terms_text(WordKind.BLOCKED),
        },
    )
    if request.method == "POST" and form.is_valid():
        actor = Actor.from_request(request)

        def save() -> None:
            word_list_set(
                actor=actor,
                kind=WordKind.START_STOP,
                terms=form.cleaned_data["start_stop"].splitlines(),
            )
            word_list_set(
                actor=actor, kind=WordKind.BLOCKED, terms=form.cleaned_data["blocked"].splitlines()
            )

        if _attempt(form, save):
            messages.success(request, _("Listas de palavras salvas."))
            return redirect("routing:word_lists")
    return render(request, "routing/words.html", {"form": form})


@admin_only
@require_http_methods(["GET", "POST"])
def agent_list(request: HttpRequest) -> HttpResponse:
    if request.method == "POST":
        user = get_object_or_404(User, pk=request.POST.get("user_id") or 0)
        form = routing_forms.CapacityForm(request.POST)
        if form.is_valid() and _attempt(
            form,
            lambda: agent_services.agent_capacity_set(
                actor=Actor.from_request(request), user=user, capacity=form.cleaned_data["capacity"]
            ),
        ):
            messages.success(request, _("Capacidade de %(name)s salva.") % {"name": user.full_name})
        else:
            messages.error(
                request,
                " ".join(
                    str(e) for e in form.errors.get("capacity", []) or form.non_field_errors()
                ),
            )
        return redirect("routing:agent_list")
    rows = [
        (
            user,
            selectors.agent_state_get(user),
            agent_load(user.pk),
            list(selectors.team_member_list_for_user(user.pk)),
        )
        for user in selectors.serving_user_list()
    ]
    return render(request, "routing/agents.html", {"rows": rows})

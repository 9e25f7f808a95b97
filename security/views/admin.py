"""The admin's security screens: policy, IP lists, blocks, masking patterns, login hours."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe

from accounts.models import User
from core.permissions import capability_required
from security.actors import Actor
from security.errors import SecurityError
from security.forms import (
    IpRuleForm,
    LoginScheduleForm,
    MaskingRuleForm,
    PermanentBlockForm,
    PolicyForm,
)
from security.models import IpRule, LoginBlock, LoginSchedule, MaskingRule
from security.selectors import (
    ip_rule_list,
    login_block_active_list,
    login_schedule_list,
    masking_rule_list,
    policy_get,
)
from security.services.blocks import login_block_permanent, login_block_release
from security.services.ip_rules import ip_rule_add, ip_rule_remove
from security.services.login_hours import WEEKDAY_LABELS, login_schedule_remove, login_schedule_set
from security.services.masking_rules import masking_rule_add, masking_rule_remove
from security.services.policy import policy_update


def _form_error(form: object, error: SecurityError) -> None:
    fields = getattr(form, "fields", {})
    form.add_error(error.field if error.field in fields else None, error.message)  # type: ignore[attr-defined]


@capability_required("manage_settings")
@require_safe
def index(request: HttpRequest) -> HttpResponse:
    return render(request, "security/index.html")


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def policy_edit(request: HttpRequest) -> HttpResponse:
    policy = policy_get()
    form = PolicyForm(request.POST or None, instance=policy)
    if request.method == "POST" and form.is_valid():
        try:
            policy_update(actor=Actor.from_request(request), changes=dict(form.cleaned_data))
        except SecurityError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Política de segurança salva."))
            return redirect("security:policy")
    return render(request, "security/policy.html", {"form": form, "policy": policy})


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def ip_rules(request: HttpRequest) -> HttpResponse:
    form = IpRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            ip_rule_add(actor=Actor.from_request(request), **form.cleaned_data)
        except SecurityError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Regra de IP incluída."))
            return redirect("security:ip_rules")
    return render(
        request,
        "security/ip_rules.html",
        {"form": form, "rules": ip_rule_list(), "your_ip": Actor.from_request(request).ip},
    )


@capability_required("manage_settings")
@require_POST
def ip_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = IpRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    try:
        ip_rule_remove(actor=Actor.from_request(request), rule=rule)
    except SecurityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Regra de IP removida."))
    return redirect("security:ip_rules")


@capability_required("manage_users")
@require_http_methods(["GET", "POST"])
def blocks(request: HttpRequest) -> HttpResponse:
    """Blocked users and addresses (6.5.23.8), with unblock and permanent block."""
    form = PermanentBlockForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            login_block_permanent(actor=Actor.from_request(request), **form.cleaned_data)
        except SecurityError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Bloqueio permanente registrado."))
            return redirect("security:blocks")
    return render(
        request, "security/blocks.html", {"form": form, "blocks": login_block_active_list()}
    )


@capability_required("manage_users")
@require_POST
def block_release(request: HttpRequest, block_id: int) -> HttpResponse:
    block = LoginBlock.objects.filter(pk=block_id).first()
    if block is None:
        raise Http404
    try:
        login_block_release(actor=Actor.from_request(request), block=block)
    except SecurityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("%(value)s desbloqueado.") % {"value": block.value})
    return redirect("security:blocks")


@capability_required("manage_users")
@require_POST
def block_make_permanent(request: HttpRequest, block_id: int) -> HttpResponse:
    block = LoginBlock.objects.filter(pk=block_id).first()
    if block is None:
        raise Http404
    try:
        login_block_permanent(
            actor=Actor.from_request(request),
            kind=block.kind,
            value=block.value,
            reason=block.reason,
        )
    except SecurityError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request, _("%(value)s bloqueado permanentemente.") % {"value": block.value}
        )
    return redirect("security:blocks")


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def masking_rules(request: HttpRequest) -> HttpResponse:
    form = MaskingRuleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            masking_rule_add(actor=Actor.from_request(request), **form.cleaned_data)
        except SecurityError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Padrão de ocultação incluído."))
            return redirect("security:masking_rules")
    return render(
        request,
        "security/masking_rules.html",
        {"form": form, "rules": masking_rule_list(), "policy": policy_get()},
    )


@capability_required("manage_settings")
@require_POST
def masking_rule_delete(request: HttpRequest, rule_id: int) -> HttpResponse:
    rule = MaskingRule.objects.filter(pk=rule_id).first()
    if rule is None:
        raise Http404
    masking_rule_remove(actor=Actor.from_request(request), rule=rule)
    messages.success(request, _("Padrão de ocultação removido."))
    return redirect("security:masking_rules")


@capability_required("manage_users")
@require_http_methods(["GET", "POST"])
def login_schedules(request: HttpRequest) -> HttpResponse:
    """Sign-in hours per user or per role (6.5.33)."""
    form = LoginScheduleForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            login_schedule_set(
                actor=Actor.from_request(request),
                user=data["user"],
                role=data["role"] or "",
                start_time=data["start_time"],
                end_time=data["end_time"],
                weekdays=data["weekdays"],
            )
        except SecurityError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Horário de acesso salvo."))
            return redirect("security:login_schedules")
    return render(
        request,
        "security/login_schedules.html",
        {
            "form": form,
            "schedules": login_schedule_list(),
            "weekday_labels": WEEKDAY_LABELS,
            "users_count": User.objects.count(),
        },
    )


@capability_required("manage_users")
@require_POST
def login_schedule_delete(request: HttpRequest, schedule_id: int) -> HttpResponse:
    schedule = LoginSchedule.objects.filter(pk=schedule_id).first()
    if schedule is None:
        raise Http404
    login_schedule_remove(actor=Actor.from_request(request), schedule=schedule)
    messages.success(request, _("Horário de acesso removido."))
    return redirect("security:login_schedules")

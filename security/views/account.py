"""The signed-in user's own security: password change (6.5.59) and two-factor authentication."""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import update_session_auth_hash
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts.models import User
from security.actors import Actor
from security.errors import SecurityError
from security.forms import PasswordChangeForm, TokenForm
from security.selectors import password_changed_at, policy_for_request
from security.services.passwords import password_change as password_change_service
from security.services.passwords import password_expired
from security.services.two_factor import (
    totp_enrol_confirm,
    totp_pending_device,
    totp_qr_svg,
    totp_secret_text,
    totp_verify,
    two_factor_disable,
    two_factor_enabled,
    two_factor_required,
)


def _user(request: HttpRequest) -> User:
    # Every view here is behind login_required: the user is a signed-in account.
    return cast(User, request.user)


def _next_url(request: HttpRequest, default: str = "home") -> str:
    target = request.POST.get("next") or request.GET.get("next") or ""
    if target and url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return target
    return default


@login_required
@require_http_methods(["GET", "POST"])
def password_change(request: HttpRequest) -> HttpResponse:
    user = _user(request)
    form = PasswordChangeForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            password_change_service(
                actor=Actor.from_request(request),
                user=user,
                current_password=form.cleaned_data["current_password"],
                new_password=form.cleaned_data["new_password"],
            )
        except SecurityError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            update_session_auth_hash(request, user)
            messages.success(request, _("Senha alterada."))
            return redirect(_next_url(request))
    policy = policy_for_request(request)
    return render(
        request,
        "security/password_change.html",
        {
            "form": form,
            "expired": password_expired(user=user, policy=policy),
            "changed_at": password_changed_at(user),
            "next": _next_url(request, default=""),
        },
    )


@login_required
@require_http_methods(["GET", "POST"])
def two_factor(request: HttpRequest) -> HttpResponse:
    """Status and enrolment: scan the QR code, type a code, and 2FA is on."""
    user = _user(request)
    policy = policy_for_request(request)
    enabled = two_factor_enabled(user)
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            totp_enrol_confirm(
                actor=Actor.from_request(request),
                request=request,
                user=user,
                token=form.cleaned_data["token"],
            )
        except SecurityError as error:
            form.add_error("token" if error.field == "token" else None, error.message)
        else:
            messages.success(request, _("Verificação em duas etapas ativada."))
            return redirect(_next_url(request))
    context = {
        "enabled": enabled,
        "required": two_factor_required(user, policy),
        "form": form,
        "next": _next_url(request, default=""),
    }
    if not enabled or request.GET.get("trocar") == "1":
        device = totp_pending_device(user)
        context.update(
            {"qr_svg": totp_qr_svg(device), "secret": totp_secret_text(device), "enrolling": True}
        )
    return render(request, "security/two_factor.html", context)


@login_required
@require_POST
def two_factor_disable_view(request: HttpRequest) -> HttpResponse:
    try:
        two_factor_disable(
            actor=Actor.from_request(request),
            user=_user(request),
            policy=policy_for_request(request),
        )
    except SecurityError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Verificação em duas etapas desativada."))
    return redirect("account_security:two_factor")


@login_required
@require_http_methods(["GET", "POST"])
def two_factor_verify(request: HttpRequest) -> HttpResponse:
    """Second step of the sign-in. Authentication, not a state change: it is recorded in the
    access log (success and failure), not in the audit log."""
    form = TokenForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            verified = totp_verify(
                request=request,
                user=_user(request),
                token=form.cleaned_data["token"],
            )
        except SecurityError as error:
            form.add_error("token", error.message)
        else:
            if verified:
                return redirect(_next_url(request))
            form.add_error("token", _("Código incorreto ou expirado. Tente novamente."))
    return render(
        request,
        "security/two_factor_verify.html",
        {"form": form, "next": _next_url(request, default="")},
    )

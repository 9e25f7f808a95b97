"""Screens for signing in, accepting an invitation, managing users and API tokens.

Views parse input and call services; rules live in `accounts.services`.
"""

from __future__ import annotations

from typing import cast

from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth import views as auth_views
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from accounts import selectors, services
from accounts.errors import AccountError, InvitationInvalid
from accounts.forms import ApiTokenForm, EditUserForm, InviteUserForm, LanguageForm, SetPasswordForm
from accounts.models import ApiToken, User
from core.permissions import capability_required
from security.actors import Actor
from security.views.login import SecureLoginView


class LoginView(SecureLoginView):
    """Sign-in with the tenant's security policy (lockout, reCAPTCHA, login hours)."""

    template_name = "accounts/login.html"
    redirect_authenticated_user = True


@require_POST
def logout_view(request: HttpRequest) -> HttpResponse:
    return auth_views.LogoutView.as_view()(request)


@require_http_methods(["GET", "POST"])
def invitation_accept(request: HttpRequest, token: str) -> HttpResponse:
    try:
        invitation = services.invitation_get(token=token)
    except InvitationInvalid as error:
        return render(
            request, "accounts/invitation_invalid.html", {"error": error.message}, status=410
        )
    form = SetPasswordForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            user = services.invitation_accept(
                token=token,
                password=form.cleaned_data["password1"],
                actor=Actor.from_request(request),
            )
        except AccountError as error:
            form.add_error("password1" if error.field == "password" else None, error.message)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Senha criada. Bem-vindo(a)!"))
            return redirect("home")
    return render(request, "accounts/invitation.html", {"form": form, "invited": invitation.user})


@login_required
def home(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/home.html")


@capability_required("view_users")
def user_list(request: HttpRequest) -> HttpResponse:
    return render(request, "accounts/user_list.html", {"users": selectors.user_list()})


@capability_required("manage_users")
@require_http_methods(["GET", "POST"])
def user_invite(request: HttpRequest) -> HttpResponse:
    form = InviteUserForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            link = services.user_invite(
                actor=Actor.from_request(request),
                host=request.get_host().split(":")[0],
                **form.cleaned_data,
            )
        except AccountError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _("Convite enviado para %(email)s.") % {"email": link.user.email},
            )
            return redirect("accounts:user_list")
    return render(
        request, "accounts/user_form.html", {"form": form, "title": _("Convidar usuário")}
    )


@capability_required("manage_users")
@require_http_methods(["GET", "POST"])
def user_edit(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        user = selectors.user_get(user_id=user_id)
    except User.DoesNotExist as error:
        raise Http404 from error
    initial = {"full_name": user.full_name, "role": user.role, "is_active": user.is_active}
    form = EditUserForm(request.POST or None, initial=initial)
    if request.method == "POST" and form.is_valid():
        try:
            services.user_update(actor=Actor.from_request(request), user=user, **form.cleaned_data)
        except AccountError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Usuário atualizado."))
            return redirect("accounts:user_list")
    return render(
        request, "accounts/user_form.html", {"form": form, "title": user.full_name, "edited": user}
    )


@capability_required("manage_users")
@require_POST
def user_invite_resend(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        user = selectors.user_get(user_id=user_id)
    except User.DoesNotExist as error:
        raise Http404 from error
    try:
        services.invitation_resend(
            actor=Actor.from_request(request), user=user, host=request.get_host().split(":")[0]
        )
    except AccountError as error:
        messages.error(request, error.message)
    else:
        messages.success(request, _("Novo convite enviado para %(email)s.") % {"email": user.email})
    return redirect("accounts:user_list")


@capability_required("manage_api_tokens")
@require_http_methods(["GET", "POST"])
def api_tokens(request: HttpRequest) -> HttpResponse:
    form = ApiTokenForm(request.POST or None)
    issued = None
    if request.method == "POST" and form.is_valid():
        try:
            issued = services.api_token_create(
                actor=Actor.from_request(request),
                user=request.user,  # type: ignore[arg-type]
                name=form.cleaned_data["name"],
            )
        except AccountError as error:
            form.add_error("name", error.message)
        else:
            form = ApiTokenForm()
    tokens = selectors.api_token_list(user=request.user)  # type: ignore[arg-type]
    return render(
        request, "accounts/api_tokens.html", {"form": form, "tokens": tokens, "issued": issued}
    )


@capability_required("manage_api_tokens")
@require_POST
def api_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    api_token = ApiToken.objects.filter(
        pk=token_id, user=cast(User, request.user), revoked_at__isnull=True
    ).first()
    if api_token is None:
        raise Http404
    services.api_token_revoke(actor=Actor.from_request(request), api_token=api_token)
    messages.success(request, _("Token revogado."))
    return redirect("accounts:api_tokens")


@login_required
@require_POST
def language_set(request: HttpRequest) -> HttpResponse:
    form = LanguageForm(request.POST)
    if form.is_valid():
        services.user_update(
            actor=Actor.from_request(request),
            user=request.user,  # type: ignore[arg-type]
            language=form.cleaned_data["language"],
        )
    return redirect(request.POST.get("next") or "home")

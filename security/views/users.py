"""Who may do what: per-user capabilities (ACL of the admin screens, 6.5.57; sensitive data,
6.5.23.13) and an admin's reset of a user's second factor."""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST, require_safe
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from accounts.roles import CAPABILITIES, ROLE_PERMISSIONS, Role
from accounts.selectors import user_get, user_list
from core.permissions import capability_required
from security.actors import Actor
from security.errors import SecurityError
from security.forms import CapabilitiesForm
from security.masking import SENSITIVE_CAPABILITY as SENSITIVE
from security.services.capabilities import (
    granted_capabilities,
    role_capabilities,
    user_capabilities_set,
)
from security.services.two_factor import two_factor_reset


@capability_required("manage_users")
@require_safe
def permissions(request: HttpRequest) -> HttpResponse:
    users = list(user_list().prefetch_related("user_permissions"))
    with_2fa = set(TOTPDevice.objects.filter(confirmed=True).values_list("user_id", flat=True))
    rows = []
    for person in users:
        extra = sorted(permission.codename for permission in person.user_permissions.all())
        from_role = ROLE_PERMISSIONS.get(person.role, set()) if person.role else set()
        rows.append(
            {
                "user": person,
                "extra": extra,
                "sensitive": SENSITIVE in from_role or SENSITIVE in extra,
                "two_factor": person.pk in with_2fa,
            }
        )
    matrix = [
        {"code": code, "label": label, "roles": [code in ROLE_PERMISSIONS[role] for role in Role]}
        for code, label in CAPABILITIES
    ]
    return render(
        request, "security/permissions.html", {"rows": rows, "matrix": matrix, "roles": list(Role)}
    )


@capability_required("manage_users")
@require_http_methods(["GET", "POST"])
def user_permissions(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        person = user_get(user_id=user_id)
    except User.DoesNotExist as error:
        raise Http404 from error
    from_role = role_capabilities(person)
    initial = sorted(granted_capabilities(person) | from_role)
    # An empty POST (every box unticked) is still a submission.
    form = CapabilitiesForm(
        request.POST if request.method == "POST" else None, initial={"capabilities": initial}
    )
    if request.method == "POST" and form.is_valid():
        try:
            user_capabilities_set(
                actor=Actor.from_request(request),
                user=person,
                codes=set(form.cleaned_data["capabilities"]),
            )
        except SecurityError as error:
            form.add_error(None, error.message)
        else:
            messages.success(
                request, _("Permissões de %(name)s salvas.") % {"name": person.full_name}
            )
            return redirect("security:permissions")
    return render(
        request,
        "security/user_permissions.html",
        {"form": form, "person": person, "from_role": from_role, "capabilities": CAPABILITIES},
    )


@capability_required("manage_users")
@require_POST
def two_factor_reset_view(request: HttpRequest, user_id: int) -> HttpResponse:
    try:
        person = user_get(user_id=user_id)
    except User.DoesNotExist as error:
        raise Http404 from error
    try:
        two_factor_reset(actor=Actor.from_request(request), user=person)
    except SecurityError as error:
        messages.error(request, error.message)
    else:
        messages.success(
            request,
            _("Verificação em duas etapas de %(name)s redefinida.") % {"name": person.full_name},
        )
    return redirect("security:permissions")

"""The sign-in view with the tenant's policy; `accounts.views.LoginView` builds on it."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth import views as auth_views
from django.http import HttpResponse

from security.forms import SecureLoginForm, captcha_required

# Where Google's widget loads from and frames itself (added to the CSP only when shown).
RECAPTCHA_FRAME_SOURCES = ["https://www.google.com/recaptcha/", "https://recaptcha.google.com/"]
RECAPTCHA_SCRIPT_SOURCES = [
    "https://www.google.com/recaptcha/",
    "https://www.gstatic.com/recaptcha/",
]


class SecureLoginView(auth_views.LoginView):
    authentication_form = SecureLoginForm

    def form_invalid(self, form: Any) -> HttpResponse:
        # This failure may be the one that crosses the threshold: ask again now.
        form.captcha_required = captcha_required(self.request, form.data.get("username"))
        return super().form_invalid(form)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context["recaptcha_script_url"] = settings.RECAPTCHA_SCRIPT_URL
        return context

    def render_to_response(self, context: dict[str, Any], **kwargs: Any) -> HttpResponse:
        response = super().render_to_response(context, **kwargs)
        form = context.get("form")
        if getattr(form, "captcha_required", False):
            script_origin = "{0.scheme}://{0.netloc}/".format(
                urlsplit(settings.RECAPTCHA_SCRIPT_URL)
            )
            response._csp_update = {  # type: ignore[attr-defined]
                "script-src": [*RECAPTCHA_SCRIPT_SOURCES, script_origin],
                "frame-src": RECAPTCHA_FRAME_SOURCES,
            }
        return response

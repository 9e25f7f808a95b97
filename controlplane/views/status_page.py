"""The public status page (REQ 6.2.6, 6.2.9): no sign-in, no JavaScript needed.

HTML, JSON (`/api/status`) and Atom come from the same snapshot, so they always agree.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from controlplane.components import component_name
from controlplane.errors import SubscriptionError
from controlplane.forms import SubscribeEmailForm, SubscribeWebhookForm
from controlplane.selectors.status import DAY_LABELS, status_snapshot
from controlplane.services.subscriptions import (
    subscription_cancel,
    subscription_confirm,
    subscription_email_request,
    subscription_for_confirm_token,
    subscription_for_unsubscribe_token,
    subscription_webhook_create,
)
from security.actors import Actor

CACHE_SECONDS = 30


@require_GET
def status_page(request: HttpRequest) -> HttpResponse:
    snapshot = status_snapshot()
    response = render(
        request,
        "status/page.html",
        {
            "snapshot": snapshot,
            "day_labels": {state.value: label for state, label in DAY_LABELS.items()},
            "component_name": component_name,
            "email_form": SubscribeEmailForm(),
            "webhook_form": SubscribeWebhookForm(),
        },
    )
    response["Cache-Control"] = f"public, max-age={CACHE_SECONDS}"
    return response


@require_POST
def subscribe(request: HttpRequest) -> HttpResponse:
    kind = request.POST.get("kind", "email")
    email_form = SubscribeEmailForm(request.POST if kind == "email" else None)
    webhook_form = SubscribeWebhookForm(request.POST if kind == "webhook" else None)
    form = email_form if kind == "email" else webhook_form
    if form.is_valid():
        try:
            if kind == "email":
                subscription_email_request(
                    actor=Actor.from_request(request), email=form.cleaned_data["email"]
                )
            else:
                subscription = subscription_webhook_create(
                    actor=Actor.from_request(request), url=form.cleaned_data["url"]
                )
                return render(
                    request, "status/webhook_created.html", {"subscription": subscription}
                )
        except SubscriptionError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request,
                _(
                    "Enviamos um link de confirmação para o seu e-mail. A inscrição só começa "
                    "depois que você confirmar."
                ),
            )
            return redirect("status:page")
    return render(
        request,
        "status/subscribe.html",
        {"email_form": email_form, "webhook_form": webhook_form},
        status=400,
    )


@require_http_methods(["GET", "POST"])
def subscription_confirm_view(request: HttpRequest, token: str) -> HttpResponse:
    # GET only shows the button: mail scanners that open links must not confirm for the owner.
    try:
        if request.method == "POST":
            subscription = subscription_confirm(actor=Actor.from_request(request), token=token)
            return render(
                request,
                "status/subscription_done.html",
                {
                    "title": _("Inscrição confirmada"),
                    "text": _("Você receberá em %(email)s os avisos de incidentes e manutenções.")
                    % {"email": subscription.email},
                },
            )
        subscription = subscription_for_confirm_token(token)
    except SubscriptionError as error:
        return render(
            request,
            "status/subscription_done.html",
            {"title": _("Link inválido"), "text": error.message},
            status=400,
        )
    return render(
        request,
        "status/subscription_action.html",
        {
            "title": _("Confirmar inscrição"),
            "subscription": subscription,
            "button": _("Confirmar inscrição"),
        },
    )


@require_http_methods(["GET", "POST"])
def subscription_cancel_view(request: HttpRequest, token: str) -> HttpResponse:
    try:
        if request.method == "POST":
            subscription_cancel(actor=Actor.from_request(request), token=token)
            return render(
                request,
                "status/subscription_done.html",
                {
                    "title": _("Inscrição cancelada"),
                    "text": _("Você não receberá mais avisos da página de status."),
                },
            )
        subscription = subscription_for_unsubscribe_token(token)
    except SubscriptionError as error:
        return render(
            request,
            "status/subscription_done.html",
            {"title": _("Link inválido"), "text": error.message},
            status=400,
        )
    return render(
        request,
        "status/subscription_action.html",
        {
            "title": _("Cancelar inscrição"),
            "subscription": subscription,
            "button": _("Cancelar inscrição"),
        },
    )

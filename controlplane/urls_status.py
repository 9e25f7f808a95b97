"""The public status page, under /status/ on the public host (no sign-in)."""

from django.urls import path
from django.views.decorators.http import require_safe

from controlplane.feeds import StatusFeed
from controlplane.views import status_page

app_name = "status"

urlpatterns = [
    path("", status_page.status_page, name="page"),
    path("feed.atom", require_safe(StatusFeed()), name="feed"),
    path("inscricao/", status_page.subscribe, name="subscribe"),
    path(
        "inscricao/confirmar/<str:token>/",
        status_page.subscription_confirm_view,
        name="subscription_confirm",
    ),
    path(
        "inscricao/cancelar/<str:token>/",
        status_page.subscription_cancel_view,
        name="subscription_cancel",
    ),
]

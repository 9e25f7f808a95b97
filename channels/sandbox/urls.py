"""The built-in provider simulator, mounted at /sandbox/ on the public host."""

from django.urls import path

from channels.sandbox import views

app_name = "sandbox"

urlpatterns = [
    path("<str:provider>/<path:path>", views.provider_api, name="provider_api"),
]

"""Provider webhooks. Mounted at /webhooks/ on the public host (that prefix is reserved for
them, and exempt from IP allow-lists: providers call from their own networks)."""

from django.urls import path

from channels.intake import views

app_name = "intake"

urlpatterns = [
    path("whatsapp", views.whatsapp_webhook, name="whatsapp"),
    path("telegram/<str:account_id>", views.telegram_webhook, name="telegram"),
    path("webchat/<str:account_id>", views.webchat_webhook, name="webchat"),
]

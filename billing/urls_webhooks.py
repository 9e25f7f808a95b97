from django.urls import path

from billing import views

app_name = "billing_webhooks"

# Under /webhooks/, which is reserved for providers' callbacks (no IP policies, no session).
urlpatterns = [
    path("", views.stripe_webhook, name="stripe"),
]

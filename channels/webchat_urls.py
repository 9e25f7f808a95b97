"""The WebChat widget's endpoints, mounted at /webchat/ on the tenant host."""

from django.urls import path

from channels import webchat_views as views

app_name = "webchat"

urlpatterns = [
    path("<str:channel_key>/config", views.widget_config, name="config"),
    path("<str:channel_key>/token", views.visitor_token, name="token"),
    path("<str:channel_key>/messages", views.visitor_message, name="messages"),
    path("<str:channel_key>/upload", views.visitor_upload, name="upload"),
    path("<str:channel_key>/conversation", views.visitor_conversation_view, name="conversation"),
    path("<str:channel_key>/events", views.visitor_events, name="events"),
]

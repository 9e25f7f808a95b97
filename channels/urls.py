"""Channel screens and the provider simulator, mounted at /canais/ on the tenant host."""

from django.urls import path

from channels import simulator_views, views

app_name = "channels"

urlpatterns = [
    path("", views.channel_list, name="list"),
    path("novo/<str:channel_type>/", views.channel_new, name="new"),
    path("<int:channel_id>/", views.channel_edit, name="edit"),
    path("<int:channel_id>/testar-widget/", views.webchat_preview, name="webchat_preview"),
    path("simulador/", simulator_views.simulator_index, name="simulator_index"),
    path("simulador/<int:channel_id>/", simulator_views.simulator_page, name="simulator"),
    path(
        "simulador/<int:channel_id>/conversa",
        simulator_views.simulator_transcript,
        name="simulator_transcript",
    ),
    path(
        "simulador/<int:channel_id>/enviar", simulator_views.simulator_send, name="simulator_send"
    ),
    path(
        "simulador/<int:channel_id>/cidadao",
        simulator_views.simulator_citizen,
        name="simulator_citizen",
    ),
    path(
        "simulador/<int:channel_id>/falha",
        simulator_views.simulator_failure,
        name="simulator_failure",
    ),
]

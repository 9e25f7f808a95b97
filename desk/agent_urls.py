"""Tenant-host URLs of the desk for people: live events and the agent page."""

from django.urls import path

from desk import agent_views, live

app_name = "agent"

urlpatterns = [
    path("ao-vivo/eventos", live.live_events, name="live_events"),
    path("atendimento/", agent_views.conversation_list, name="conversation_list"),
    path("atendimento/fila", agent_views.conversation_list_fragment, name="conversation_lists"),
    path(
        "atendimento/<int:conversation_id>/",
        agent_views.conversation_detail,
        name="conversation_detail",
    ),
    path(
        "atendimento/<int:conversation_id>/mensagens",
        agent_views.conversation_thread,
        name="conversation_thread",
    ),
    path(
        "atendimento/<int:conversation_id>/responder",
        agent_views.conversation_reply,
        name="conversation_reply",
    ),
]

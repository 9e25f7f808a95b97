"""Tenant-host URLs of the desk for people: live events, the agent page and the contacts
screens."""

from django.urls import path

from desk import agent_views, contact_views, live

app_name = "agent"

urlpatterns = [
    path("ao-vivo/eventos", live.live_events, name="live_events"),
    path("atendimento/", agent_views.conversation_list, name="conversation_list"),
    path("atendimento/fila", agent_views.conversation_list_fragment, name="conversation_lists"),
    path("atendimento/fila/puxar", agent_views.queue_take_view, name="queue_take"),
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
    path("contatos/", contact_views.contact_list_view, name="contact_list"),
    path("contatos/<int:contact_id>/", contact_views.contact_detail, name="contact_detail"),
    path(
        "contatos/<int:contact_id>/consentimento",
        contact_views.contact_consent,
        name="contact_consent",
    ),
    path("contatos/exportar.<str:fmt>", contact_views.contact_export, name="contact_export"),
    path(
        "contatos/importar/",
        contact_views.contact_import_upload_view,
        name="contact_import_upload",
    ),
    path(
        "contatos/importar/<int:import_id>/",
        contact_views.contact_import_detail,
        name="contact_import_detail",
    ),
    path(
        "contatos/importar/<int:import_id>/mapeamento",
        contact_views.contact_import_mapping,
        name="contact_import_mapping",
    ),
]

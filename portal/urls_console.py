"""The agent console, on the tenant host under /console/."""

from django.urls import path

from portal.views import captured, chat, console, session, start

app_name = "portal_console"

urlpatterns = [
    path("", console.console, name="index"),
    path("sw.js", console.service_worker, name="service_worker"),
    path("listas", console.lists_fragment, name="lists"),
    path("ativo", session.still_here, name="still_here"),
    path("chat/", chat.chat_index, name="chat"),
    path("chat/pessoas", chat.chat_people_fragment, name="chat_people"),
    path("chat/nao-lidas", chat.chat_unread, name="chat_unread"),
    path("chat/<int:user_id>/", chat.chat_with, name="chat_with"),
    path("chat/<int:user_id>/mensagens", chat.chat_thread_fragment, name="chat_thread"),
    path("chat/<int:user_id>/enviar", chat.chat_send, name="chat_send"),
    path("inatividade", session.idle_logout, name="idle_logout"),
    path("situacao", console.agent_status, name="status"),
    path("contatos", console.contact_search, name="contact_search"),
    path("respostas", console.replies, name="replies"),
    path("contato/<int:contact_id>/", console.contact_page, name="contact"),
    path("contato/<int:contact_id>/nome", console.contact_rename, name="contact_rename"),
    path(
        "contato/<int:contact_id>/iniciar",
        start.conversation_start_page,
        name="conversation_start",
    ),
    path(
        "contato/<int:contact_id>/historico/<int:conversation_id>",
        console.history_conversation,
        name="history_conversation",
    ),
    path("c/<int:conversation_id>/", console.conversation_page, name="conversation"),
    path("c/<int:conversation_id>/mensagens", console.thread_fragment, name="thread"),
    path("c/<int:conversation_id>/enviar", console.send, name="send"),
    path("c/<int:conversation_id>/transferir", console.transfer, name="transfer"),
    path("c/<int:conversation_id>/convidar", console.invite, name="invite"),
    path("c/<int:conversation_id>/encerrar", console.close, name="close"),
    path("c/<int:conversation_id>/dados", captured.captured_data_save, name="captured_data"),
]

"""The supervisor's monitor, on the tenant host under /monitor/."""

from django.urls import path

from portal.views import monitor

app_name = "portal_monitor"

urlpatterns = [
    path("", monitor.monitor, name="index"),
    path("painel", monitor.board_fragment, name="board"),
    path("c/<int:conversation_id>/", monitor.conversation, name="conversation"),
    path("c/<int:conversation_id>/atribuir", monitor.assign, name="assign"),
]

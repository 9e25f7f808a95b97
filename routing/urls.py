"""The admin's routing screens, on the tenant host under /roteamento/."""

from django.urls import path

from routing import console_views, views

app_name = "routing"

urlpatterns = [
    path("", views.index, name="index"),
    path("equipes/", views.team_list, name="team_list"),
    path("equipes/<int:team_id>/", views.team_edit, name="team_edit"),
    path("horarios/", views.hours_list, name="hours_list"),
    path("horarios/<int:group_id>/", views.hours_edit, name="hours_edit"),
    path("horarios/<int:group_id>/remover/", views.hours_delete, name="hours_delete"),
    path("feriados/", views.holiday_list, name="holiday_list"),
    path("feriados/<int:holiday_id>/remover/", views.holiday_delete, name="holiday_delete"),
    path("tabulacoes/", views.disposition_list, name="disposition_list"),
    path("tabulacoes/<int:disposition_id>/", views.disposition_list, name="disposition_edit"),
    path("respostas/", views.canned_reply_list, name="canned_reply_list"),
    path("respostas/<int:reply_id>/", views.canned_reply_list, name="canned_reply_edit"),
    path(
        "respostas/<int:reply_id>/remover/", views.canned_reply_delete, name="canned_reply_delete"
    ),
    path("pausas/", views.pause_reason_list, name="pause_reason_list"),
    path("pausas/<int:reason_id>/", views.pause_reason_list, name="pause_reason_edit"),
    path("palavras/", views.word_lists, name="word_lists"),
    path("atendentes/", views.agent_list, name="agent_list"),
    # Issue 6: per-team console settings (6.5.37.3, 6.5.37.4, 6.5.37.8), codenames (6.5.58.5).
    path("equipes/<int:team_id>/console/", console_views.team_console, name="team_console"),
    path(
        "equipes/<int:team_id>/fundo.css",
        console_views.team_background_css,
        name="team_background_css",
    ),
    path(
        "atendentes/<int:user_id>/codinome/",
        console_views.agent_codename,
        name="agent_codename",
    ),
]

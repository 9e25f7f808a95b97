"""Report screens on the tenant host, under /relatorios/."""

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.report_index, name="report_index"),
    path("painel/", views.dashboard_view, name="dashboard"),
    path("painel/personalizar/", views.dashboard_customize, name="dashboard_customize"),
    path("painel/widget/<slug:key>/", views.dashboard_widget, name="dashboard_widget"),
    path("salvos/", views.saved_report_list, name="saved_report_list"),
    path("salvos/novo/", views.saved_report_create_view, name="saved_report_create"),
    path("salvos/<int:pk>/", views.saved_report_open, name="saved_report_open"),
    path("salvos/<int:pk>/excluir/", views.saved_report_delete_view, name="saved_report_delete"),
    path("<slug:slug>/", views.report_detail, name="report_detail"),
]

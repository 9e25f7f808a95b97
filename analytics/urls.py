"""Report screens on the tenant host, under /relatorios/."""

from django.urls import path

from analytics import views

app_name = "analytics"

urlpatterns = [
    path("", views.report_index, name="report_index"),
    path("<slug:slug>/", views.report_detail, name="report_detail"),
]

"""Client side (tenant host): availability reports, under /relatorios/disponibilidade/."""

from django.urls import path

from controlplane.views import tenant_reports

app_name = "tenant_reports"

urlpatterns = [
    path("", tenant_reports.availability_months, name="availability_months"),
    path("<int:year>/<int:month>/", tenant_reports.availability_month, name="availability_month"),
    path(
        "<int:year>/<int:month>/<str:extension>/",
        tenant_reports.availability_download,
        name="availability_download",
    ),
]

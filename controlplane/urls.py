"""Operators' screens, under /controle/ on the public host."""

from django.urls import path

from controlplane.views import dashboard, downtime, incidents, tenants

app_name = "controlplane"

urlpatterns = [
    path("clientes/", tenants.tenant_list, name="tenant_list"),
    path("clientes/novo/", tenants.tenant_onboard, name="tenant_onboard"),
    path("clientes/<slug:slug>/", tenants.tenant_detail, name="tenant_detail"),
    path(
        "clientes/<slug:slug>/encerrar-contrato/",
        tenants.tenant_contract_end_view,
        name="tenant_contract_end",
    ),
    path("clientes/<slug:slug>/arquivar/", tenants.tenant_archive_view, name="tenant_archive"),
    path("clientes/<slug:slug>/backup/", tenants.tenant_backup_view, name="tenant_backup"),
    path(
        "clientes/<slug:slug>/disponibilidade/<int:year>/<int:month>/",
        tenants.tenant_availability,
        name="tenant_availability",
    ),
    path(
        "clientes/<slug:slug>/disponibilidade/<int:year>/<int:month>/<str:extension>/",
        tenants.tenant_availability_download,
        name="tenant_availability_download",
    ),
    path("incidentes/", incidents.incident_list, name="incident_list"),
    path("incidentes/novo/", incidents.incident_new, name="incident_new"),
    path("incidentes/<int:incident_id>/", incidents.incident_detail, name="incident_detail"),
    path("manutencoes/", incidents.maintenance_list, name="maintenance_list"),
    path("manutencoes/nova/", incidents.maintenance_new, name="maintenance_new"),
    path(
        "manutencoes/<int:maintenance_id>/<str:action>/",
        incidents.maintenance_action,
        name="maintenance_action",
    ),
    path("indisponibilidades/", downtime.downtime_index, name="downtime_index"),
    path(
        "indisponibilidades/<int:downtime_id>/causada-pelo-cliente/",
        downtime.downtime_exclude,
        name="downtime_exclude",
    ),
    path(
        "exclusoes/<int:exclusion_id>/remover/", downtime.exclusion_revoke, name="exclusion_revoke"
    ),
    path("painel/", dashboard.dashboard, name="dashboard"),
    path("painel/dados/", dashboard.dashboard_figures, name="dashboard_figures"),
    path("backups/", dashboard.backup_list, name="backup_list"),
]

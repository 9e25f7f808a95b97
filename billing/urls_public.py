from django.urls import path

from billing import views

app_name = "billing_ops"

urlpatterns = [
    path("", views.operator_overview, name="overview"),
    path("clientes/<slug:slug>/contrato/", views.operator_contract, name="contract"),
    path("clientes/<slug:slug>/precos/", views.operator_price_add, name="price_add"),
    path(
        "clientes/<slug:slug>/precos/<str:effective_from>/remover/",
        views.operator_price_remove,
        name="price_remove",
    ),
    path("clientes/<slug:slug>/ajustes/", views.operator_adjustments, name="adjustments"),
    path("clientes/<slug:slug>/extratos/", views.operator_statements, name="statements"),
    path(
        "clientes/<slug:slug>/extratos/<str:period>/extrato.<str:fmt>",
        views.operator_statement_download,
        name="statement_download",
    ),
]

from django.urls import path

from controlplane import views

app_name = "controlplane"

urlpatterns = [
    path("clientes/", views.tenant_list, name="tenant_list"),
    path("clientes/novo/", views.tenant_onboard, name="tenant_onboard"),
    path("clientes/<slug:slug>/", views.tenant_detail, name="tenant_detail"),
]

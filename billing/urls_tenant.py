from django.urls import path

from billing import views

app_name = "billing"

urlpatterns = [
    path("", views.consumption, name="consumption"),
    path("extratos/", views.statement_list, name="statements"),
    path(
        "extratos/<str:period>/extrato.<str:fmt>",
        views.statement_download,
        name="statement_download",
    ),
]

from django.urls import path

from desk import views

app_name = "desk"

urlpatterns = [
    path("<str:token>", views.media_link, name="media_link"),
]

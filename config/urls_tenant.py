from django.urls import include, path

from accounts import views as account_views
from config.api import tenant_api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("convite/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("conta/", include("accounts.urls")),
    path("api/", tenant_api.urls),
]

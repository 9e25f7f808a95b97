from django.urls import include, path
from django.views.generic import RedirectView

from accounts import views as account_views
from config.api import public_api

urlpatterns = [
    path("", RedirectView.as_view(pattern_name="controlplane:tenant_list"), name="home"),
    path("conta/entrar/", account_views.LoginView.as_view(), name="login"),
    path("conta/seguranca/", include("security.urls_account")),
    path("conta/", include("accounts.urls")),
    path("controle/", include("controlplane.urls")),
    path("faturamento/", include("billing.urls_public")),
    path("status/", include("controlplane.urls_status")),
    path("api/", public_api.urls),
    path("webhooks/stripe/", include("billing.urls_webhooks")),
    path("webhooks/", include("channels.intake.urls")),
    path("sandbox/", include("channels.sandbox.urls")),
]

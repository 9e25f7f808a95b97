from django.urls import include, path

from accounts import views as account_views
from config.api import tenant_api

urlpatterns = [
    path("", account_views.home, name="home"),
    path("convite/<str:token>/", account_views.invitation_accept, name="invitation_accept"),
    path("conta/seguranca/", include("security.urls_account")),
    path("conta/", include("accounts.urls")),
    path("seguranca/", include("security.urls")),
    path("api/", tenant_api.urls),
    path("consumo/", include("billing.urls_tenant")),
    path("relatorios/disponibilidade/", include("controlplane.urls_tenant")),
    path("relatorios/", include("analytics.urls")),
    path("sso/", include("sso.urls")),
    path("scim/v2/", include("sso.scim.urls")),
    path("midia/", include("desk.urls")),
    path("", include("desk.agent_urls")),
    path("canais/", include("channels.urls")),
    path("webchat/", include("channels.webchat_urls")),
    path("roteamento/", include("routing.urls")),
    path("console/", include("portal.urls_console")),
    path("monitor/", include("portal.urls_monitor")),
    path("privacidade/", include("privacy.urls")),
]

# Error pages inside the tenant's schema (see core.error_views).
handler400 = "core.error_views.bad_request"
handler403 = "core.error_views.permission_denied"
handler404 = "core.error_views.page_not_found"
handler500 = "core.error_views.server_error"

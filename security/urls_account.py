"""The signed-in user's own security screens, on every host under /conta/seguranca/."""

from django.urls import path

from security.views import account

app_name = "account_security"

urlpatterns = [
    path("senha/", account.password_change, name="password_change"),
    path("2fa/", account.two_factor, name="two_factor"),
    path("2fa/verificar/", account.two_factor_verify, name="two_factor_verify"),
    path("2fa/desativar/", account.two_factor_disable_view, name="two_factor_disable"),
]

from django.urls import path

from accounts import views

app_name = "accounts"

urlpatterns = [
    path("entrar/", views.LoginView.as_view(), name="login"),
    path("sair/", views.logout_view, name="logout"),
    path("idioma/", views.language_set, name="language"),
    path("usuarios/", views.user_list, name="user_list"),
    path("usuarios/convidar/", views.user_invite, name="user_invite"),
    path("usuarios/<int:user_id>/", views.user_edit, name="user_edit"),
    path(
        "usuarios/<int:user_id>/reenviar-convite/",
        views.user_invite_resend,
        name="user_invite_resend",
    ),
    path("tokens/", views.api_tokens, name="api_tokens"),
    path("tokens/<int:token_id>/revogar/", views.api_token_revoke, name="api_token_revoke"),
]

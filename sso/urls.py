from django.urls import path

from sso import views

app_name = "sso"

urlpatterns = [
    path("saml/<slug:kind>/login/", views.saml_login, name="saml_login"),
    path("saml/<slug:kind>/acs/", views.saml_acs, name="saml_acs"),
    path("saml/<slug:kind>/metadata/", views.saml_metadata, name="saml_metadata"),
    path("configuracao/", views.sso_settings, name="settings"),
    path("configuracao/saml/<slug:kind>/", views.provider_edit, name="provider_edit"),
    path("configuracao/scim/", views.scim_settings, name="scim"),
    path("configuracao/scim/tokens/", views.scim_token_create, name="scim_token_create"),
    path(
        "configuracao/scim/tokens/<int:token_id>/revogar/",
        views.scim_token_revoke,
        name="scim_token_revoke",
    ),
    path("configuracao/scim/grupos/", views.group_mapping_create, name="group_mapping_create"),
    path(
        "configuracao/scim/grupos/<int:mapping_id>/remover/",
        views.group_mapping_delete,
        name="group_mapping_delete",
    ),
    path("configuracao/scim/papel-padrao/", views.default_role_set, name="default_role_set"),
]

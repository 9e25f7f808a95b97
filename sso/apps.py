from django.apps import AppConfig


class SsoConfig(AppConfig):
    name = "sso"
    verbose_name = "Login único (SAML) e provisionamento (SCIM)"

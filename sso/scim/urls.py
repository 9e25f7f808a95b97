"""Mounted at /scim/v2/ on the tenant host. Entra ID writes "Users"; other clients write
"users" and some add a trailing slash: both spellings match, slash optional. (Alternatives
rather than an inline (?i) flag, which Django's URL reversing cannot handle.)"""

from django.urls import re_path

from sso.scim import views

app_name = "scim"

urlpatterns = [
    re_path(
        r"^(?:ServiceProviderConfig|serviceproviderconfig|serviceProviderConfig)/?$",
        views.service_provider_config,
        name="service_provider_config",
    ),
    re_path(
        r"^(?:ResourceTypes|resourcetypes|resourceTypes)/?$",
        views.resource_types,
        name="resource_types",
    ),
    re_path(
        r"^(?:ResourceTypes|resourcetypes|resourceTypes)/(?P<resource_id>[^/]+)/?$",
        views.resource_types,
        name="resource_type",
    ),
    re_path(r"^(?:Schemas|schemas)/?$", views.schemas, name="schemas"),
    re_path(r"^(?:Schemas|schemas)/(?P<schema_id>[^/]+)/?$", views.schemas, name="schema"),
    re_path(r"^(?:Users|users)/?$", views.users, name="users"),
    re_path(r"^(?:Users|users)/(?P<user_id>[^/]+)/?$", views.user, name="user"),
    re_path(r"^(?:Groups|groups)/?$", views.groups, name="groups"),
    re_path(r"^(?:Groups|groups)/(?P<group_id>[^/]+)/?$", views.group, name="group"),
]

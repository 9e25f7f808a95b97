"""SAML endpoints (login, ACS, SP metadata) and the admin screens for SSO and SCIM.

Views parse input and call services; rules live in `sso.services`.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.contrib.auth import login
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from core.permissions import capability_required
from security.actors import Actor
from sso import saml, selectors
from sso.errors import SamlLoginRefused, SsoError
from sso.forms import DefaultRoleForm, GroupRoleMappingForm, IdentityProviderForm, ScimTokenForm
from sso.models import GroupRoleMapping, IdentityProvider, IdentityProviderKind, ScimToken
from sso.services import identity_providers, role_mappings, scim_tokens
from sso.services.saml_login import saml_login_complete, saml_login_start
from sso.services.scim_users import provisioning_settings_get

# Django's ModelBackend checks is_active on every request; SSO users sign in through it.
_BACKEND = "django.contrib.auth.backends.ModelBackend"


def tenant_host(request: HttpRequest) -> str:
    """The tenant's primary domain: SP entity ID and ACS URL must not change with the alias
    a person happened to type."""
    tenant = getattr(request, "tenant", None)
    domain = tenant.get_primary_domain() if tenant is not None else None
    return domain.domain if domain is not None else request.get_host().split(":")[0]


def _safe_next(request: HttpRequest, candidate: str | None) -> str:
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return reverse("home")


def _provider_or_404(kind: str, *, enabled: bool) -> IdentityProvider:
    provider = IdentityProvider.objects.filter(kind=kind).first()
    if provider is None or (enabled and not (provider.enabled and provider.is_configured)):
        raise Http404
    return provider


@require_GET
def saml_login(request: HttpRequest, kind: str) -> HttpResponse:
    provider = _provider_or_404(kind, enabled=True)
    next_url = _safe_next(request, request.GET.get("next"))
    return redirect(
        saml_login_start(provider=provider, host=tenant_host(request), next_url=next_url)
    )


@csrf_exempt  # the IdP posts cross-site; the signed assertion is the proof, not a CSRF token
@require_POST
def saml_acs(request: HttpRequest, kind: str) -> HttpResponse:
    provider = _provider_or_404(kind, enabled=False)
    saml_response = request.POST.get("SAMLResponse", "")
    if not saml_response:
        return HttpResponseBadRequest(_("Resposta SAML ausente."))
    try:
        user = saml_login_complete(
            provider=provider,
            host=tenant_host(request),
            saml_response=saml_response,
            actor=Actor.from_request(request, via="sso"),
        )
    except SamlLoginRefused as error:
        return render(
            request,
            "sso/login_refused.html",
            {"message": error.message, "provider": provider},
            status=403,
        )
    login(request, user, backend=_BACKEND)
    return redirect(_safe_next(request, request.POST.get("RelayState")))


@require_GET
def saml_metadata(request: HttpRequest, kind: str) -> HttpResponse:
    if kind not in IdentityProviderKind.values:
        raise Http404
    xml = saml.sp_metadata_xml(host=tenant_host(request), kind=kind)
    response = HttpResponse(xml, content_type="application/samlmetadata+xml; charset=utf-8")
    if request.GET.get("download"):
        tenant = getattr(request, "tenant", None)
        slug = getattr(tenant, "slug", "tenant")
        response["Content-Disposition"] = f'attachment; filename="sp-metadata-{slug}-{kind}.xml"'
    return response


@capability_required("manage_settings")
@require_GET
def sso_settings(request: HttpRequest) -> HttpResponse:
    providers = selectors.identity_providers_all()
    host = tenant_host(request)
    rows = []
    for kind, label in IdentityProviderKind.choices:
        provider = providers.get(kind)
        rows.append(
            {
                "kind": kind,
                "label": label,
                "provider": provider,
                "sp": saml.sp_urls(host=host, kind=kind),
            }
        )
    return render(request, "sso/settings.html", {"rows": rows})


def _provider_initial(provider: IdentityProvider) -> dict[str, Any]:
    return {
        "enabled": provider.enabled,
        "entity_id": provider.entity_id,
        "sso_url": provider.sso_url,
        "x509_cert": provider.x509_cert,
        "attribute_email": provider.attribute_email,
        "attribute_full_name": provider.attribute_full_name,
        "attribute_first_name": provider.attribute_first_name,
        "attribute_last_name": provider.attribute_last_name,
        "attribute_role": provider.attribute_role,
        "role_mapping": identity_providers.role_mapping_format(provider.role_mapping or {}),
        "default_role": provider.default_role,
        "attribute_team": provider.attribute_team,
        "create_users": provider.create_users,
        "link_by_email": provider.link_by_email,
        "allow_idp_initiated": provider.allow_idp_initiated,
    }


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def provider_edit(request: HttpRequest, kind: str) -> HttpResponse:
    try:
        provider = identity_providers.identity_provider_get(kind=kind)
    except SsoError as error:
        raise Http404 from error
    form = IdentityProviderForm(
        request.POST or None, request.FILES or None, initial=_provider_initial(provider)
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            mapping = identity_providers.role_mapping_parse(data["role_mapping"])
            fields = {
                name: data[name]
                for name in (
                    "enabled",
                    "entity_id",
                    "sso_url",
                    "x509_cert",
                    "attribute_email",
                    "attribute_full_name",
                    "attribute_first_name",
                    "attribute_last_name",
                    "attribute_role",
                    "attribute_team",
                    "default_role",
                    "create_users",
                    "link_by_email",
                    "allow_idp_initiated",
                )
            }
            identity_providers.identity_provider_save(
                actor=Actor.from_request(request),
                kind=kind,
                data=identity_providers.ProviderInput(role_mapping=mapping, **fields),
                metadata_xml=data["metadata_file"],
            )
        except SsoError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(request, _("Configuração de login único salva."))
            return redirect("sso:settings")
    sp = saml.sp_urls(host=tenant_host(request), kind=kind)
    return render(request, "sso/provider_form.html", {"form": form, "provider": provider, "sp": sp})


def _scim_page(
    request: HttpRequest,
    *,
    token_form: ScimTokenForm | None = None,
    mapping_form: GroupRoleMappingForm | None = None,
    issued: scim_tokens.IssuedScimToken | None = None,
    status: int = 200,
) -> HttpResponse:
    settings = provisioning_settings_get()
    context = {
        "token_form": token_form or ScimTokenForm(),
        "mapping_form": mapping_form or GroupRoleMappingForm(),
        "default_role_form": DefaultRoleForm(initial={"default_role": settings.default_role}),
        "tokens": selectors.scim_token_list(),
        "mappings": selectors.group_role_mapping_list(),
        "groups": selectors.scim_group_list(),
        "issued": issued,
        "scim_url": request.build_absolute_uri("/scim/v2/"),
    }
    return render(request, "sso/scim.html", context, status=status)


@capability_required("manage_settings")
@require_GET
def scim_settings(request: HttpRequest) -> HttpResponse:
    return _scim_page(request)


@capability_required("manage_settings")
@require_POST
def scim_token_create(request: HttpRequest) -> HttpResponse:
    form = ScimTokenForm(request.POST)
    if form.is_valid():
        try:
            issued = scim_tokens.scim_token_create(
                actor=Actor.from_request(request),
                name=form.cleaned_data["name"],
                created_by=request.user,  # type: ignore[arg-type]
            )
        except SsoError as error:
            form.add_error("name", error.message)
        else:
            # Rendered, not redirected: the token is shown this once and never stored.
            return _scim_page(request, issued=issued)
    return _scim_page(request, token_form=form, status=400)


@capability_required("manage_settings")
@require_POST
def scim_token_revoke(request: HttpRequest, token_id: int) -> HttpResponse:
    scim_token = ScimToken.objects.filter(pk=token_id, revoked_at__isnull=True).first()
    if scim_token is None:
        raise Http404
    scim_tokens.scim_token_revoke(actor=Actor.from_request(request), scim_token=scim_token)
    messages.success(request, _("Token SCIM revogado."))
    return redirect("sso:scim")


@capability_required("manage_settings")
@require_POST
def group_mapping_create(request: HttpRequest) -> HttpResponse:
    form = GroupRoleMappingForm(request.POST)
    if form.is_valid():
        try:
            role_mappings.group_role_mapping_create(
                actor=Actor.from_request(request), **form.cleaned_data
            )
        except SsoError as error:
            form.add_error(error.field if error.field in form.fields else None, error.message)
        else:
            messages.success(
                request, _("Mapeamento salvo; os papéis dos membros foram atualizados.")
            )
            return redirect("sso:scim")
    return _scim_page(request, mapping_form=form, status=400)


@capability_required("manage_settings")
@require_POST
def group_mapping_delete(request: HttpRequest, mapping_id: int) -> HttpResponse:
    mapping = GroupRoleMapping.objects.filter(pk=mapping_id).first()
    if mapping is None:
        raise Http404
    role_mappings.group_role_mapping_delete(actor=Actor.from_request(request), mapping=mapping)
    messages.success(request, _("Mapeamento removido."))
    return redirect("sso:scim")


@capability_required("manage_settings")
@require_POST
def default_role_set(request: HttpRequest) -> HttpResponse:
    form = DefaultRoleForm(request.POST)
    if form.is_valid():
        role_mappings.provisioning_default_role_set(
            actor=Actor.from_request(request), role=form.cleaned_data["default_role"]
        )
        messages.success(request, _("Papel padrão atualizado."))
    return redirect("sso:scim")

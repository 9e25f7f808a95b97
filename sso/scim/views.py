"""The SCIM 2.0 endpoint at /scim/v2/ (6.5.23.2), in the dialect Microsoft Entra ID speaks.

Plain Django views rather than the ninja API: SCIM has its own media type, its own error
document and PATCH bodies that no schema of ours would describe better. Views parse, call a
service and render; rules live in `sso.services.scim_*`.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any

from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from security.actors import Actor, client_ip
from sso import selectors
from sso.errors import ScimError
from sso.scim import discovery
from sso.scim.filters import filter_parse
from sso.scim.resources import error_body, group_resource, list_response, user_resource
from sso.services import scim_groups, scim_users
from sso.services.scim_tokens import scim_token_authenticate

SCIM_PREFIX = "/scim/v2/"
MEDIA_TYPE = "application/scim+json"
DEFAULT_COUNT = 100

ScimView = Callable[..., HttpResponse]


def scim_response(body: dict[str, Any] | None, status: int = 200) -> HttpResponse:
    if body is None:
        return HttpResponse(status=status)
    return JsonResponse(
        body, status=status, content_type=MEDIA_TYPE, json_dumps_params={"ensure_ascii": False}
    )


def _error_response(error: ScimError) -> HttpResponse:
    response = scim_response(error_body(error.status, error.detail, error.scim_type), error.status)
    if error.status == 401:
        response["WWW-Authenticate"] = 'Bearer realm="scim"'
    return response


def _actor(request: HttpRequest) -> Actor:
    header = request.headers.get("Authorization", "")
    scheme, _sep, token = header.partition(" ")
    scim_token = scim_token_authenticate(token.strip()) if scheme.casefold() == "bearer" else None
    if scim_token is None:
        raise ScimError(401, _("Token SCIM ausente, inválido ou revogado."))
    return Actor(
        user_id=None,
        label=f"SCIM: {scim_token.name}",
        via="scim",
        ip=client_ip(request),
        user_agent=request.headers.get("User-Agent", "")[:300],
        request_id=getattr(request, "request_id", ""),
        token_prefix=scim_token.prefix,
    )


def scim_endpoint(*methods: str) -> Callable[[ScimView], ScimView]:
    """Bearer-token authentication, allowed methods and SCIM error documents, in one place."""
    # Named as Django's `require_http_methods` names it, so the route audit (security/
    # route_audit.py) reads the methods: GET-only discovery routes change nothing.
    request_method_list = methods

    def decorator(view: ScimView) -> ScimView:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
            try:
                actor = _actor(request)
                if request.method not in request_method_list:
                    raise ScimError(
                        405, _("Método %(method)s não suportado aqui.") % {"method": request.method}
                    )
                return view(request, actor, *args, **kwargs)
            except ScimError as error:
                return _error_response(error)

        return wrapper

    return decorator


def _body(request: HttpRequest) -> Any:
    try:
        return json.loads(request.body or b"null")
    except (json.JSONDecodeError, UnicodeDecodeError) as error:
        raise ScimError(
            400, _("O corpo não é um JSON válido."), scim_type="invalidSyntax"
        ) from error


def _base_url(request: HttpRequest) -> str:
    return request.build_absolute_uri(SCIM_PREFIX)


def _page(request: HttpRequest) -> tuple[int, int]:
    try:
        start = max(1, int(request.GET.get("startIndex", "1")))
        count = min(
            discovery.MAX_RESULTS, max(0, int(request.GET.get("count", str(DEFAULT_COUNT))))
        )
    except ValueError as error:
        raise ScimError(
            400, _("startIndex e count devem ser números."), scim_type="invalidValue"
        ) from error
    return start, count


def _listed(
    request: HttpRequest, queryset: QuerySet[Any], render: Callable[[Any], dict[str, Any]]
) -> HttpResponse:
    start, count = _page(request)
    total = queryset.count()
    items = list(queryset[start - 1 : start - 1 + count]) if count else []
    return scim_response(
        list_response([render(item) for item in items], total=total, start_index=start)
    )


def _excluded(request: HttpRequest) -> set[str]:
    return {
        part.strip().casefold()
        for part in request.GET.get("excludedAttributes", "").split(",")
        if part.strip()
    }


@scim_endpoint("GET")
def service_provider_config(request: HttpRequest, actor: Actor) -> HttpResponse:
    return scim_response(discovery.service_provider_config(_base_url(request)))


@scim_endpoint("GET")
def resource_types(
    request: HttpRequest, actor: Actor, resource_id: str | None = None
) -> HttpResponse:
    documents = discovery.resource_types(_base_url(request))
    return _document_or_list(documents, resource_id)


@scim_endpoint("GET")
def schemas(request: HttpRequest, actor: Actor, schema_id: str | None = None) -> HttpResponse:
    return _document_or_list(discovery.schemas(_base_url(request)), schema_id)


def _document_or_list(documents: list[dict[str, Any]], wanted: str | None) -> HttpResponse:
    if wanted is None:
        return scim_response(list_response(documents, total=len(documents), start_index=1))
    for document in documents:
        if document["id"].casefold() == wanted.casefold():
            return scim_response(document)
    raise ScimError(404, _("Recurso %(id)s não encontrado.") % {"id": wanted})


@scim_endpoint("GET", "POST")
def users(request: HttpRequest, actor: Actor) -> HttpResponse:
    base_url = _base_url(request)
    if request.method == "POST":
        user = scim_users.scim_user_create(actor=actor, resource=_body(request))
        user = selectors.scim_user_get(str(user.pk))
        response = scim_response(user_resource(user, base_url=base_url), 201)
        response["Location"] = f"{base_url}Users/{user.pk}"
        return response
    conditions = filter_parse(request.GET.get("filter", ""), allowed=selectors.USER_FILTERS)
    return _listed(
        request,
        selectors.scim_users(conditions),
        lambda user: user_resource(user, base_url=base_url),
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def user(request: HttpRequest, actor: Actor, user_id: str) -> HttpResponse:
    base_url = _base_url(request)
    found = selectors.scim_user_get(user_id)
    if request.method == "DELETE":
        scim_users.scim_user_delete(actor=actor, user=found)
        return scim_response(None, 204)
    if request.method == "PUT":
        scim_users.scim_user_replace(actor=actor, user=found, resource=_body(request))
    elif request.method == "PATCH":
        scim_users.scim_user_patch(actor=actor, user=found, body=_body(request))
    return scim_response(user_resource(selectors.scim_user_get(user_id), base_url=base_url))


@scim_endpoint("GET", "POST")
def groups(request: HttpRequest, actor: Actor) -> HttpResponse:
    base_url = _base_url(request)
    if request.method == "POST":
        group = scim_groups.scim_group_create(actor=actor, resource=_body(request))
        response = scim_response(group_resource(group, base_url=base_url, members=True), 201)
        response["Location"] = f"{base_url}Groups/{group.pk}"
        return response
    conditions = filter_parse(request.GET.get("filter", ""), allowed=selectors.GROUP_FILTERS)
    members = "members" not in _excluded(request)
    return _listed(
        request,
        selectors.scim_groups(conditions),
        lambda group: group_resource(group, base_url=base_url, members=members),
    )


@scim_endpoint("GET", "PUT", "PATCH", "DELETE")
def group(request: HttpRequest, actor: Actor, group_id: str) -> HttpResponse:
    base_url = _base_url(request)
    found = selectors.scim_group_get(group_id)
    if request.method == "DELETE":
        scim_groups.scim_group_delete(actor=actor, group=found)
        return scim_response(None, 204)
    if request.method == "PATCH":
        # Entra ID expects 204 here and does not read members back.
        scim_groups.scim_group_patch(actor=actor, group=found, body=_body(request))
        return scim_response(None, 204)
    if request.method == "PUT":
        found = scim_groups.scim_group_replace(actor=actor, group=found, resource=_body(request))
    members = "members" not in _excluded(request)
    return scim_response(group_resource(found, base_url=base_url, members=members))

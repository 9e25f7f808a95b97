"""ServiceProviderConfig, ResourceTypes and Schemas (RFC 7643 sections 5 to 7): what this endpoint
supports, so the directory's schema discovery and "Test Connection" see it as it is."""

from __future__ import annotations

from typing import Any

from sso.scim.resources import ENTERPRISE_USER_SCHEMA, GROUP_SCHEMA, USER_SCHEMA

MAX_RESULTS = 200


def service_provider_config(base_url: str) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
        "documentationUri": "",
        "patch": {"supported": True},
        "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
        "filter": {"supported": True, "maxResults": MAX_RESULTS},
        "changePassword": {"supported": False},
        "sort": {"supported": False},
        "etag": {"supported": False},
        "authenticationSchemes": [
            {
                "type": "oauthbearertoken",
                "name": "OAuth Bearer Token",
                "description": "Token SCIM do órgão, criado por um administrador em "
                "Configurações > Provisionamento (SCIM).",
                "primary": True,
            }
        ],
        "meta": {
            "resourceType": "ServiceProviderConfig",
            "location": f"{base_url}ServiceProviderConfig",
        },
    }


def resource_types(base_url: str) -> list[dict[str, Any]]:
    return [
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "User",
            "name": "User",
            "endpoint": "/Users",
            "description": "Usuários do órgão (atendentes, supervisores, administradores)",
            "schema": USER_SCHEMA,
            "schemaExtensions": [{"schema": ENTERPRISE_USER_SCHEMA, "required": False}],
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}ResourceTypes/User"},
        },
        {
            "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
            "id": "Group",
            "name": "Group",
            "endpoint": "/Groups",
            "description": "Grupos do diretório, mapeáveis para papéis",
            "schema": GROUP_SCHEMA,
            "meta": {"resourceType": "ResourceType", "location": f"{base_url}ResourceTypes/Group"},
        },
    ]


def _attribute(
    name: str,
    *,
    type_: str = "string",
    required: bool = False,
    multi: bool = False,
    mutability: str = "readWrite",
    uniqueness: str = "none",
    case_exact: bool = False,
    sub: list[dict[str, Any]] | None = None,
    description: str = "",
) -> dict[str, Any]:
    attribute: dict[str, Any] = {
        "name": name,
        "type": type_,
        "multiValued": multi,
        "description": description,
        "required": required,
        "caseExact": case_exact,
        "mutability": mutability,
        "returned": "default",
        "uniqueness": uniqueness,
    }
    if sub:
        attribute["subAttributes"] = sub
    return attribute


def schemas(base_url: str) -> list[dict[str, Any]]:
    user_attributes = [
        _attribute(
            "userName",
            required=True,
            uniqueness="server",
            description="Identificador único (userPrincipalName no Entra ID).",
        ),
        _attribute(
            "name",
            type_="complex",
            sub=[
                _attribute("givenName"),
                _attribute("familyName"),
                _attribute("formatted"),
            ],
        ),
        _attribute("displayName", description="Nome exibido na plataforma."),
        _attribute("active", type_="boolean"),
        _attribute(
            "emails",
            type_="complex",
            multi=True,
            sub=[
                _attribute("value"),
                _attribute("type"),
                _attribute("primary", type_="boolean"),
            ],
            description="O e-mail de trabalho é o login do usuário.",
        ),
        _attribute("externalId", case_exact=True),
    ]
    group_attributes = [
        _attribute(
            "displayName",
            required=True,
            uniqueness="server",
            description="Nome do grupo; mapeado para um papel pelo administrador.",
        ),
        _attribute("externalId", case_exact=True),
        _attribute(
            "members",
            type_="complex",
            multi=True,
            sub=[
                _attribute("value", mutability="immutable"),
                _attribute("display", mutability="readOnly"),
            ],
        ),
    ]
    enterprise_attributes = [
        _attribute("employeeNumber"),
        _attribute("department"),
    ]
    return [
        _schema(USER_SCHEMA, "User", "Usuário", user_attributes, base_url),
        _schema(GROUP_SCHEMA, "Group", "Grupo", group_attributes, base_url),
        _schema(
            ENTERPRISE_USER_SCHEMA,
            "EnterpriseUser",
            "Usuário corporativo",
            enterprise_attributes,
            base_url,
        ),
    ]


def _schema(
    schema_id: str, name: str, description: str, attributes: list[dict[str, Any]], base_url: str
) -> dict[str, Any]:
    return {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:Schema"],
        "id": schema_id,
        "name": name,
        "description": description,
        "attributes": attributes,
        "meta": {"resourceType": "Schema", "location": f"{base_url}Schemas/{schema_id}"},
    }

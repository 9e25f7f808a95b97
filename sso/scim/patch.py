"""PATCH operations (RFC 7644 section 3.5.2) as Entra ID sends them, made uniform.

Entra ID's dialect, all accepted here (docs: "Known issues and resolutions with SCIM 2.0
protocol compliance"): `op` capitalized ("Replace", "Add", "Remove"); a `replace` with no path
whose value is an object of attributes, keys possibly dotted ("name.givenName") or extension
URNs; `active` as the string "False"; multi-valued paths with a value filter
(`emails[type eq "work"].value`, `members[value eq "…"]`); member removal as a `value` list.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from typing import Any

from django.utils.translation import gettext as _

from sso.errors import ScimError
from sso.scim.filters import normalize_path

PATCH_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_OPS = {"add", "replace", "remove"}
# Attributes a client may send but that the server owns.
READ_ONLY = {"id", "meta", "schemas", "groups"}

EMAIL_PATH = re.compile(r'^emails\[type eq "(?P<type>[^"]+)"\]\.value$')
MEMBER_PATH = re.compile(r'^members\[value eq "(?P<value>[^"]+)"\]$')


@dataclass(frozen=True)
class Operation:
    op: str  # "add" | "replace" | "remove"
    path: str  # case-folded attribute path
    value: Any


def _flatten(values: dict[str, Any]) -> list[tuple[str, Any]]:
    """{"name": {"givenName": "A"}, "urn:…:User": {"department": "B"}} → dotted/colon paths."""
    flat: list[tuple[str, Any]] = []
    for key, value in values.items():
        if isinstance(value, dict) and key.casefold().startswith("urn:"):
            flat.extend((f"{key}:{sub}", sub_value) for sub, sub_value in value.items())
        elif isinstance(value, dict) and key.casefold() == "name":
            flat.extend((f"{key}.{sub}", sub_value) for sub, sub_value in value.items())
        else:
            flat.append((key, value))
    return flat


def operations_parse(body: Any) -> list[Operation]:
    if not isinstance(body, dict) or not isinstance(body.get("Operations"), list):
        raise ScimError(
            400, _("Envie uma PatchOp com a lista “Operations”."), scim_type="invalidSyntax"
        )
    operations: list[Operation] = []
    for raw in body["Operations"]:
        if not isinstance(raw, dict):
            raise ScimError(400, _("Operação inválida."), scim_type="invalidSyntax")
        op = str(raw.get("op", "")).casefold()
        if op not in _OPS:
            raise ScimError(
                400,
                _("Operação desconhecida: %(op)s.") % {"op": raw.get("op")},
                scim_type="invalidSyntax",
            )
        path = raw.get("path")
        value = raw.get("value")
        if path:
            if not isinstance(path, str):
                raise ScimError(400, _("Caminho inválido."), scim_type="invalidPath")
            operations.append(Operation(op=op, path=normalize_path(path), value=value))
            continue
        if op == "remove":
            raise ScimError(400, _("Uma remoção precisa de “path”."), scim_type="noTarget")
        if not isinstance(value, dict):
            raise ScimError(
                400,
                _("Sem “path”, o valor deve ser um objeto de atributos."),
                scim_type="invalidValue",
            )
        operations.extend(
            Operation(op=op, path=normalize_path(key), value=item)
            for key, item in _flatten(value)
            if normalize_path(key) not in READ_ONLY
        )
    return operations


def resource_operations(resource: Any) -> list[Operation]:
    """A whole resource (POST, PUT) as `replace` operations, so one code path applies both."""
    if not isinstance(resource, dict):
        raise ScimError(400, _("O corpo deve ser um objeto JSON."), scim_type="invalidSyntax")
    return [
        Operation(op="replace", path=normalize_path(key), value=value)
        for key, value in _flatten(resource)
        if normalize_path(key) not in READ_ONLY and value is not None
    ]


def scim_bool(value: Any) -> bool:
    """Entra ID sends `active` as a JSON boolean or as the strings "True"/"False"."""
    if isinstance(value, bool):
        return value
    if isinstance(value, str) and value.strip().casefold() in {"true", "false"}:
        return value.strip().casefold() == "true"
    raise ScimError(
        400, _("Valor booleano inválido: %(value)s.") % {"value": value}, scim_type="invalidValue"
    )


def scim_string(value: Any, *, attribute: str) -> str:
    if value is None:
        return ""
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return str(value).strip()
    raise ScimError(
        400,
        _("Valor inválido para %(attribute)s.") % {"attribute": attribute},
        scim_type="invalidValue",
    )

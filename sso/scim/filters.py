"""The part of SCIM filtering (RFC 7644 section 3.4.2.2) that Entra ID uses: `eq` joined by
`and`. Entra ID sends values quoted (`userName eq "x"`) and, in some documented requests,
bare (`externalId eq jyoung`); both are accepted. Anything else is an `invalidFilter`."""

from __future__ import annotations

import json
from dataclasses import dataclass

from django.utils.translation import gettext as _

from sso.errors import ScimError


@dataclass(frozen=True)
class Condition:
    attribute: str  # case-folded path, e.g. 'username', 'emails[type eq "work"].value'
    value: str | bool | None


def split_top_level(text: str, keyword: str) -> list[str]:
    """Splits on a whitespace-delimited keyword outside quotes and brackets."""
    parts: list[str] = []
    depth = 0
    quoted = False
    start = 0
    index = 0
    word = f" {keyword} "
    lowered = text.casefold()
    while index < len(text):
        char = text[index]
        if char == '"' and (index == 0 or text[index - 1] != "\\"):
            quoted = not quoted
        elif not quoted and char == "[":
            depth += 1
        elif not quoted and char == "]":
            depth -= 1
        elif not quoted and depth == 0 and lowered.startswith(word, index):
            parts.append(text[start:index])
            index += len(word)
            start = index
            continue
        index += 1
    parts.append(text[start:])
    return [part.strip() for part in parts]


def normalize_path(path: str) -> str:
    """Case-folds an attribute path and tidies the spaces inside a value filter."""
    path = " ".join(path.strip().split())
    return path.replace("[ ", "[").replace(" ]", "]").casefold()


def _value(raw: str) -> str | bool | None:
    raw = raw.strip()
    if raw.startswith('"'):
        try:
            value = json.loads(raw)
        except json.JSONDecodeError as error:
            raise ScimError(
                400, _("Valor de filtro inválido."), scim_type="invalidFilter"
            ) from error
        if not isinstance(value, str):
            raise ScimError(400, _("Valor de filtro inválido."), scim_type="invalidFilter")
        return value
    lowered = raw.casefold()
    if lowered in {"true", "false"}:
        return lowered == "true"
    if lowered == "null":
        return None
    if not raw or " " in raw:
        raise ScimError(400, _("Valor de filtro inválido."), scim_type="invalidFilter")
    return raw


def filter_parse(text: str, *, allowed: set[str]) -> list[Condition]:
    """Parses `a eq "x" and b eq "y"`; every attribute must be in `allowed` (case-folded)."""
    text = (text or "").strip()
    if not text:
        return []
    conditions: list[Condition] = []
    for clause in split_top_level(text, "and"):
        pieces = split_top_level(clause, "eq")
        if len(pieces) != 2 or not pieces[0]:
            raise ScimError(
                400, _("Filtro não suportado: use “atributo eq valor”."), scim_type="invalidFilter"
            )
        attribute = normalize_path(pieces[0])
        if attribute not in allowed:
            raise ScimError(
                400,
                _("Filtro por “%(attribute)s” não é suportado.") % {"attribute": pieces[0]},
                scim_type="invalidFilter",
            )
        conditions.append(Condition(attribute=attribute, value=_value(pieces[1])))
    return conditions

"""Text helpers: the `{name}` fields of configured messages and the normal form of words."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Mapping

_FIELD = re.compile(r"\{(\w+)\}")
_SPACES = re.compile(r"\s+")


def render(template: str, values: Mapping[str, object]) -> str:
    """Fills the `{name}` fields an admin wrote; unknown names stay as written. Not
    `str.format`: an admin's text must never reach attributes (`{0.__class__}`)."""

    def replace(match: re.Match[str]) -> str:
        key = match.group(1)
        return str(values[key]) if key in values else match.group(0)

    return _FIELD.sub(replace, template or "").strip()


def normalize(text: str) -> str:
    """Lower case, accents removed, runs of spaces made one: "Não  SEI" -> "nao sei"."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(char for char in decomposed if not unicodedata.combining(char))
    return _SPACES.sub(" ", plain.casefold()).strip()


def strip_punctuation(text: str) -> str:
    """Punctuation removed (emoji kept: "👍" is a word a list may hold)."""
    kept = "".join(" " if unicodedata.category(char).startswith("P") else char for char in text)
    return _SPACES.sub(" ", kept).strip()

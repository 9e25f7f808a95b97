"""The two word lists: words that never start a conversation's flow (6.5.54) and words an
agent may not send (6.5.55). Read on every call, so a list change applies at once."""

from __future__ import annotations

import re

from django.db import transaction
from django.utils.translation import gettext as _

from desk.models import Conversation
from routing.errors import BlockedWordsRefused, RoutingError
from routing.models import RestrictedWord, WordKind
from routing.services.access import require
from routing.services.text import normalize, strip_punctuation
from security.actors import Actor
from security.audit import audit_record

MAX_TERM_LENGTH = 120


def _terms(kind: str) -> list[tuple[str, str]]:
    return list(RestrictedWord.objects.filter(kind=kind).values_list("term", "normalized"))


def start_stop_match(text: str | None) -> str | None:
    """6.5.54: the list entry the whole message is, or None. "Obrigado!!" matches "obrigado";
    "obrigado, quero a segunda via" does not (it asks for something)."""
    if not text:
        return None
    candidate = normalize(strip_punctuation(text))
    if not candidate:
        return None
    for term, normalized in _terms(WordKind.START_STOP):
        if candidate == normalized:
            return term
    return None


def blocked_words_in(text: str | None) -> list[str]:
    """6.5.55: the blocked entries the text contains as whole words ("burro" blocks "seu burro"
    and "BURRO!", not "burrocracia"), in list order, each once."""
    if not text:
        return []
    candidate = normalize(text)
    found = []
    for term, normalized in _terms(WordKind.BLOCKED):
        pattern = r"(?<!\w)" + r"\s+".join(map(re.escape, normalized.split(" "))) + r"(?!\w)"
        if re.search(pattern, candidate):
            found.append(term)
    return found


def outbound_text_check(conversation: Conversation | None, text: str | None) -> None:
    """Refuses an agent's message that contains blocked words, naming them (6.5.55).

    `conversation` is accepted so a per-team list can come later without changing callers.
    Raises `BlockedWordsRefused` (a desk `MessageRefused`, code `blocked_words`)."""
    found = blocked_words_in(text)
    if found:
        quoted = ", ".join(f"“{word}”" for word in found)
        raise BlockedWordsRefused(
            _("A mensagem não foi enviada porque contém palavras não permitidas: %(words)s.")
            % {"words": quoted},
            words=found,
        )


def word_list_set(*, actor: Actor, kind: str, terms: list[str]) -> list[RestrictedWord]:
    """Replaces one list with `terms` (blank lines and repeats ignored)."""
    require(actor, "manage_settings")
    if kind not in WordKind.values:
        raise RoutingError(_("Lista desconhecida."), code="word_kind", field="kind")
    wanted: dict[str, str] = {}
    for raw in terms:
        term = " ".join((raw or "").split())
        if not term:
            continue
        if len(term) > MAX_TERM_LENGTH:
            raise RoutingError(
                _("Cada palavra ou expressão tem no máximo %(limit)s caracteres.")
                % {"limit": MAX_TERM_LENGTH},
                code="word_too_long",
                field="terms",
            )
        key = normalize(strip_punctuation(term) if kind == WordKind.START_STOP else term)
        if key:
            wanted.setdefault(key, term)
    with transaction.atomic():
        before = sorted(RestrictedWord.objects.filter(kind=kind).values_list("term", flat=True))
        RestrictedWord.objects.filter(kind=kind).exclude(normalized__in=list(wanted)).delete()
        present = set(RestrictedWord.objects.filter(kind=kind).values_list("normalized", flat=True))
        RestrictedWord.objects.bulk_create(
            [
                RestrictedWord(kind=kind, term=term, normalized=key)
                for key, term in wanted.items()
                if key not in present
            ]
        )
        after = sorted(RestrictedWord.objects.filter(kind=kind).values_list("term", flat=True))
        if before != after:
            audit_record(
                actor=actor,
                action="routing.words.set",
                object_type="routing.restrictedword",
                object_id=kind,
                object_repr=str(WordKind(kind).label),
                before={"terms": before},
                after={"terms": after},
            )
    return list(RestrictedWord.objects.filter(kind=kind))

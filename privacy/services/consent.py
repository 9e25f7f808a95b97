"""Opt-in / opt-out per contact and channel (6.5.23.16, 6.5.40).

Every change writes the current state, one history row and one audit entry in one transaction.
A contact never asked is allowed: consent here records refusals and returns, the first contact
being the citizen's own message.
"""

from __future__ import annotations

import logging
import unicodedata

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from channels.models import Channel
from desk.errors import MessageRefused
from desk.models import Contact, Conversation, Origin
from desk.services.outbound import message_send
from privacy.models import (
    DEFAULT_OPT_IN_KEYWORDS,
    DEFAULT_OPT_OUT_KEYWORDS,
    ConsentEvent,
    ConsentKeywords,
    ConsentMethod,
    ConsentState,
    ConsentStatus,
)
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger("privacy.consent")

KEYWORD_MAX_LENGTH = 64


def normalize_keyword(text: str) -> str:
    """Upper case without accents or surrounding punctuation: "sair!" and "Sáir" are SAIR."""
    decomposed = unicodedata.normalize("NFKD", text or "")
    plain = "".join(ch for ch in decomposed if not unicodedata.combining(ch))
    return plain.strip().strip(".!?,;: ").upper()


def keywords_get() -> ConsentKeywords:
    keywords = ConsentKeywords.objects.filter(pk=ConsentKeywords.SINGLETON_ID).first()
    if keywords is None:
        return ConsentKeywords(
            pk=ConsentKeywords.SINGLETON_ID,
            opt_out_keywords=list(DEFAULT_OPT_OUT_KEYWORDS),
            opt_in_keywords=list(DEFAULT_OPT_IN_KEYWORDS),
        )
    return keywords


def _clean_words(words: list[str]) -> list[str]:
    cleaned: list[str] = []
    for word in words:
        normalized = normalize_keyword(word)[:KEYWORD_MAX_LENGTH]
        if normalized and normalized not in cleaned:
            cleaned.append(normalized)
    return cleaned


def keywords_update(
    *, actor: Actor, opt_out_keywords: list[str], opt_in_keywords: list[str]
) -> ConsentKeywords:
    """Saves the tenant's keywords; a word cannot mean both leaving and returning."""
    opt_out = _clean_words(opt_out_keywords)
    opt_in = _clean_words(opt_in_keywords)
    overlap = sorted(set(opt_out) & set(opt_in))
    if overlap:
        raise ValueError(
            _("Uma palavra não pode servir para sair e para voltar: %(words)s")
            % {"words": ", ".join(overlap)}
        )
    if not opt_out:
        raise ValueError(_("Informe ao menos uma palavra para sair."))
    with transaction.atomic():
        current = keywords_get()
        before = {"opt_out": current.opt_out_keywords, "opt_in": current.opt_in_keywords}
        current.opt_out_keywords = opt_out
        current.opt_in_keywords = opt_in
        current.save()
        audit_record(
            actor=actor,
            action="privacy.keywords.update",
            target=current,
            before=before,
            after={"opt_out": opt_out, "opt_in": opt_in},
        )
    return current


def consent_status(contact: Contact, channel: Channel) -> str | None:
    return (
        ConsentState.objects.filter(contact=contact, channel=channel)
        .values_list("status", flat=True)
        .first()
    )


def consent_allows_campaign(contact: Contact, channel: Channel) -> bool:
    """False only when the contact opted out on this channel and has not come back."""
    return consent_status(contact, channel) != ConsentStatus.OPT_OUT


def consent_set(
    *,
    actor: Actor,
    contact: Contact,
    channel: Channel,
    status: str,
    method: str,
    keyword: str = "",
    note: str = "",
) -> ConsentEvent:
    """Records one consent change with its history row and audit entry."""
    if status not in ConsentStatus.values:
        raise ValueError(f"unknown consent status {status!r}")
    if method not in ConsentMethod.values:
        raise ValueError(f"unknown consent method {method!r}")
    now = timezone.now()
    with transaction.atomic():
        previous = (
            ConsentState.objects.select_for_update()
            .filter(contact=contact, channel=channel)
            .first()
        )
        before = {"status": previous.status} if previous is not None else None
        ConsentState.objects.update_or_create(
            contact=contact, channel=channel, defaults={"status": status, "updated_at": now}
        )
        event = ConsentEvent.objects.create(
            contact=contact,
            channel=channel,
            status=status,
            method=method,
            actor_user_id=actor.user_id,
            actor_label=actor.label[:254],
            keyword=keyword[:KEYWORD_MAX_LENGTH],
            note=note[:500],
            occurred_at=now,
        )
        audit_record(
            actor=actor,
            action="privacy.consent.set",
            target=event,
            before=before,
            after={
                "contact_id": contact.pk,
                "channel_id": channel.pk,
                "status": status,
                "method": method,
                "keyword": keyword,
            },
        )
    return event


def consent_history(contact: Contact) -> list[ConsentEvent]:
    return list(
        ConsentEvent.objects.filter(contact=contact)
        .select_related("channel")
        .order_by("occurred_at", "id")
    )


def consent_reply_text(status: str) -> str:
    if status == ConsentStatus.OPT_OUT:
        return _(
            "Pronto: você não receberá mais mensagens de campanhas por este canal. "
            "Para voltar a receber, envie VOLTAR."
        )
    return _("Pronto: você voltará a receber nossas mensagens por este canal.")


def _confirm(contact: Contact, channel: Channel, status: str) -> None:
    conversation = (
        Conversation.objects.filter(contact=contact, channel=channel).order_by("-id").first()
    )
    if conversation is None:
        return
    try:
        message_send(
            actor=Actor.system("consentimento"),
            conversation=conversation,
            text=consent_reply_text(status),
            origin=Origin.SYSTEM,
        )
    except MessageRefused as refused:
        # The change stands even when the reply cannot go (closed window, inactive channel).
        logger.info(
            "consent confirmation not sent",
            extra={"contact_id": contact.pk, "code": refused.code},
        )


def consent_keyword_handle(*, contact: Contact, channel: Channel, text: str) -> bool:
    """When the citizen's whole message is a consent keyword: records it and confirms it
    through the channel. True when the text was a keyword."""
    word = normalize_keyword(text)
    if not word or len(word) > KEYWORD_MAX_LENGTH:
        return False
    keywords = keywords_get()
    if word in keywords.opt_out_keywords:
        status = ConsentStatus.OPT_OUT
    elif word in keywords.opt_in_keywords:
        status = ConsentStatus.OPT_IN
    else:
        return False
    consent_set(
        actor=Actor.system("cidadão (palavra-chave)"),
        contact=contact,
        channel=channel,
        status=status,
        method=ConsentMethod.KEYWORD,
        keyword=word,
    )
    _confirm(contact, channel, status)
    return True

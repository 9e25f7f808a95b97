"""Data captured during a conversation (6.5.48.10): what a chatbot flow, an agent or an
integration recorded about the atendimento under a key (`bairro`, `tipo_solicitacao`).

Rows are append-only (desk.models.CapturedData): recording a key again adds a row and the
latest one is the current value; the earlier ones stay as history and are exported to
analytics once each. Every write is audited, and a live `conversation.data` event tells the
screens showing the conversation to reload its box. The event carries the key, not the value:
values may be personal data, and the screens mask them per user when they render.
"""

from __future__ import annotations

import re

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.errors import DeskError
from desk.events import Audience, publish_on_commit
from desk.models import CapturedData, CaptureSource, Conversation
from desk.models.captured_data import KEY_MAX_LENGTH, LABEL_MAX_LENGTH, VALUE_MAX_LENGTH
from security.actors import Actor
from security.audit import audit_record

KEY_PATTERN = re.compile(rf"^[a-z][a-z0-9_]{{0,{KEY_MAX_LENGTH - 1}}}$")
LIVE_EVENT = "conversation.data"


def captured_key_clean(key: str) -> str:
    """The key as stored, or a DeskError: lower-case letters, digits and underscores,
    starting with a letter (a slug flows and reports can name)."""
    cleaned = (key or "").strip().lower()
    if not KEY_PATTERN.match(cleaned):
        raise DeskError(
            _(
                "Campo inválido: use letras minúsculas sem acento, números e _ (começando por "
                "letra), até %(max)s caracteres."
            )
            % {"max": KEY_MAX_LENGTH},
            code="captured_key_invalid",
            field="key",
        )
    return cleaned


def conversation_data_capture(
    *,
    actor: Actor,
    conversation: Conversation,
    key: str,
    value: str,
    label: str = "",
    source: str = CaptureSource.AGENT,
) -> CapturedData:
    """Records `value` as the current value of `key` in `conversation`.

    Recording the value a key already holds (same label) changes nothing and returns the
    current row, so a flow retrying a step does not add history. Without `label`, the key's
    previous label is kept.
    """
    key = captured_key_clean(key)
    value = (value or "").strip()
    label = (label or "").strip()
    if not value:
        raise DeskError(_("Informe o valor."), code="captured_value_required", field="value")
    if len(value) > VALUE_MAX_LENGTH:
        raise DeskError(
            _("O valor pode ter no máximo %(max)s caracteres.") % {"max": VALUE_MAX_LENGTH},
            code="captured_value_too_long",
            field="value",
        )
    if len(label) > LABEL_MAX_LENGTH:
        raise DeskError(
            _("O nome do campo pode ter no máximo %(max)s caracteres.") % {"max": LABEL_MAX_LENGTH},
            code="captured_label_too_long",
            field="label",
        )
    if source not in CaptureSource.values:
        raise DeskError(_("Origem inválida."), code="captured_source_invalid", field="source")
    with transaction.atomic():
        # One writer per conversation at a time, so "latest wins" is the order of commits.
        Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
        current = captured_data_current_get(conversation=conversation, key=key)
        label = label or (current.label if current is not None else "")
        if current is not None and current.value == value and current.label == label:
            return current
        row = CapturedData.objects.create(
            conversation=conversation,
            key=key,
            label=label,
            value=value,
            source=source,
            captured_by_id=actor.user_id,
            captured_at=timezone.now(),
        )
        audit_record(
            actor=actor,
            action="conversation.data_capture",
            target=conversation,
            before={"key": key, "value": current.value} if current is not None else None,
            after={"key": key, "label": label, "value": value, "source": source},
        )
        publish_on_commit(
            LIVE_EVENT,
            {
                "conversation_id": conversation.pk,
                "key": key,
                "label": label,
                "source": source,
                "captured_at": row.captured_at,
            },
            Audience(teams=[conversation.team_id] if conversation.team_id else []),
        )
    return row


def captured_data_current_get(*, conversation: Conversation, key: str) -> CapturedData | None:
    return CapturedData.objects.filter(conversation=conversation, key=key).order_by("-id").first()

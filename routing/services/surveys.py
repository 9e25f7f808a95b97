"""The satisfaction survey (6.5.32): asked at close, answered with a 1-5 score by the
citizen's next message, stored against the agent who served last, thanked for; it expires.

The thank-you goes out on the closed conversation: desk lets the survey's system messages
(and only them) through after the close (`message_send(after_close=True)`)."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from desk.models import ContactIdentity, Conversation
from desk.models.conversations import OPEN_STATUSES
from routing.models import (
    ConversationRouting,
    EventKind,
    SurveyRequest,
    SurveyStatus,
    TeamSettings,
)
from routing.services.events import event_record
from routing.services.notices import notice_send
from security.actors import Actor

SURVEY_ACTOR = Actor.system("pesquisa de satisfação")
_KEYCAPS = {f"{digit}\ufe0f\u20e3": digit for digit in "12345"} | {
    f"{digit}\u20e3": digit for digit in "12345"
}
_SCORE = re.compile(r"^\s*(?:nota\s*)?([1-5])\s*(?:estrelas?|pontos?|/\s*5)?\s*[.!]*\s*$", re.I)


def survey_score_parse(text: str | None) -> int | None:
    """ "5", "nota 4", "3 estrelas", "2/5", "5️⃣" -> the score; anything else -> None."""
    if not text:
        return None
    value = text.strip()
    for keycap, digit in _KEYCAPS.items():
        value = value.replace(keycap, digit)
    match = _SCORE.match(value)
    return int(match.group(1)) if match else None


def survey_start(
    *,
    conversation: Conversation,
    agent_id: int,
    agent_label: str,
    team_id: int | None,
    settings: TeamSettings,
    now: datetime,
) -> SurveyRequest | None:
    """Asks the question (before the conversation is marked closed: desk refuses to send on a
    closed one). No question sent, no survey."""
    sent = notice_send(
        conversation, settings.survey_message, {"agente": agent_label}, purpose="survey"
    )
    if sent is None:
        return None
    return SurveyRequest.objects.create(
        conversation=conversation,
        agent_id=agent_id,
        team_id=team_id,
        sent_at=now,
        expires_at=now + timedelta(minutes=settings.survey_expiry_minutes),
    )


def survey_answer_conversation(
    *, identity: ContactIdentity, text: str | None, now: datetime | None = None
) -> Conversation | None:
    """For the pipeline, before it opens a conversation for an inbound message: when the
    citizen has no open conversation, a survey of theirs is pending and the message is a
    score, the score is recorded and the (closed) surveyed conversation is returned to hold
    the message. Otherwise None and the message opens a conversation as usual."""
    now = now or timezone.now()
    score = survey_score_parse(text)
    if score is None:
        return None
    if Conversation.objects.filter(identity=identity, status__in=OPEN_STATUSES).exists():
        return None
    with transaction.atomic():
        survey = (
            SurveyRequest.objects.select_for_update()
            .filter(conversation__identity=identity, status=SurveyStatus.PENDING)
            .order_by("-sent_at")
            .first()
        )
        if survey is None:
            return None
        if survey.expires_at <= now:
            survey.status = SurveyStatus.EXPIRED
            survey.save(update_fields=["status"])
            return None
        survey_record(survey=survey, score=score, now=now)
        conversation = Conversation.objects.get(pk=survey.conversation_id)
        survey_thanks_send(conversation)
        return conversation


def survey_thanks_send(conversation: Conversation) -> None:
    """Thanks the citizen for their score, on the (closed) surveyed conversation. In the
    transaction that stores the score: both are kept, or neither."""
    notice_send(
        conversation,
        _("Obrigado pela sua avaliação! Ela nos ajuda a melhorar o atendimento."),
        {},
        purpose="survey_thanks",
        after_close=True,
    )


def survey_record(*, survey: SurveyRequest, score: int, now: datetime) -> SurveyRequest:
    """Stores the score (the caller holds the survey row locked and checked it pending)."""
    survey.status, survey.score, survey.answered_at = SurveyStatus.ANSWERED, score, now
    survey.save(update_fields=["status", "score", "answered_at"])
    routing = ConversationRouting.objects.filter(pk=survey.conversation_id).first()
    if routing is not None:
        event_record(
            routing=routing,
            kind=EventKind.SURVEY_ANSWERED,
            actor=SURVEY_ACTOR,
            at=now,
            data={"score": score, "rated_agent_id": survey.agent_id},
        )
    return survey


def surveys_supersede(identity_id: int) -> int:
    """A new conversation started: the previous survey is no longer answerable."""
    return SurveyRequest.objects.filter(
        conversation__identity_id=identity_id, status=SurveyStatus.PENDING
    ).update(status=SurveyStatus.CANCELLED)


def survey_expire_due(*, now: datetime | None = None) -> int:
    """Beat: pending surveys past their deadline become expired (the answer path checks the
    deadline itself, so a late sweep never lets a late answer in)."""
    now = now or timezone.now()
    return SurveyRequest.objects.filter(status=SurveyStatus.PENDING, expires_at__lte=now).update(
        status=SurveyStatus.EXPIRED
    )

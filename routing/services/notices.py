"""Automatic messages to the citizen (off hours, overflow, queue position, the agent's name,
closing, inactivity, pause, survey), always through desk's outbound service with
`origin=system`, so they obey the session window and are metered like any other message."""

from __future__ import annotations

import logging
from collections.abc import Mapping

from desk.errors import MessageRefused
from desk.models import Conversation, Message, Origin
from desk.services.outbound import message_send
from routing.services.text import render
from security.actors import Actor

logger = logging.getLogger("routing.notices")

NOTICE_ACTOR = Actor.system("roteamento")


def notice_send(
    conversation: Conversation,
    template: str,
    values: Mapping[str, object],
    *,
    purpose: str,
    after_close: bool = False,
) -> Message | None:
    """Sends one configured message; None when it is empty or refused (a closed 24-hour
    window on WhatsApp, a disabled channel). A refused notice never undoes the routing step
    that wanted it: the step is what matters, the notice is a courtesy. `after_close`: the
    survey's messages, which desk lets out on a closed conversation (and only them)."""
    text = render(template, {"protocolo": conversation.protocol, **values})
    if not text:
        return None
    try:
        return message_send(
            actor=NOTICE_ACTOR,
            conversation=conversation,
            text=text,
            origin=Origin.SYSTEM,
            after_close=after_close,
        )
    except MessageRefused as error:
        logger.info(
            "routing notice not sent",
            extra={"conversation_id": conversation.pk, "purpose": purpose, "code": error.code},
        )
        return None

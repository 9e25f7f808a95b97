"""A minimal agent page until the console (issue 6) lands: the lists, one conversation, a reply,
and "Puxar da fila" (take the longest-waiting conversation of my teams, routing's `queue_take`).

Plain server-rendered HTML. `static/desk/agent.js` listens to /ao-vivo/eventos and reloads the
lists or the thread fragment when an event concerns them; without JavaScript the pages still
work (reload to see news). Messages shown go through the masking filter like every screen.
"""

from __future__ import annotations

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from core.permissions import capability_required
from desk.conversation_selectors import (
    conversation_get,
    conversation_list_mine,
    conversation_list_waiting,
    message_list,
)
from desk.errors import MessageRefused
from desk.models import Conversation, Message
from desk.services.media import media_link_token
from desk.services.outbound import MAX_TEXT_LENGTH, message_send
from desk.visibility import Visibility, visible_to
from routing.errors import RoutingError
from routing.services.dispatch import queue_take
from security.actors import Actor

LIST_LIMIT = 100
DRAFT_KEY = "desk_reply_draft"


def _lists_context(visibility: Visibility) -> dict[str, object]:
    mine = list(conversation_list_mine(visibility=visibility)[:LIST_LIMIT])
    mine_ids = {conversation.pk for conversation in mine}
    waiting = [
        conversation
        for conversation in conversation_list_waiting(visibility=visibility)[:LIST_LIMIT]
        if conversation.pk not in mine_ids
    ]
    return {"mine": mine, "waiting": waiting}


def _thread(conversation: Conversation) -> list[Message]:
    thread = list(message_list(conversation=conversation))
    for message in thread:
        # A signed, expiring link on this host (desk.views.media_link), not the storage path.
        message.media_url = (  # type: ignore[attr-defined]
            reverse("desk:media_link", args=[media_link_token(message.media)])
            if message.media is not None
            else ""
        )
    return thread


def _conversation_or_404(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = conversation_get(
        visibility=visible_to(request.user), conversation_id=conversation_id
    )
    if conversation is None:
        raise Http404
    return conversation


@capability_required("serve")
@require_safe
def conversation_list(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/agent/list.html", _lists_context(visible_to(request.user)))


@capability_required("serve")
@require_safe
def conversation_list_fragment(request: HttpRequest) -> HttpResponse:
    return render(request, "desk/agent/_lists.html", _lists_context(visible_to(request.user)))


@capability_required("serve")
@require_safe
def conversation_detail(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    draft = request.session.pop(DRAFT_KEY, None)
    return render(
        request,
        "desk/agent/detail.html",
        {
            "conversation": conversation,
            "thread": _thread(conversation),
            "max_length": MAX_TEXT_LENGTH,
            "draft": draft["text"]
            if draft and draft.get("conversation") == conversation.pk
            else "",
        },
    )


@capability_required("serve")
@require_safe
def conversation_thread(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    return render(
        request,
        "desk/agent/_thread.html",
        {"conversation": conversation, "thread": _thread(conversation)},
    )


@capability_required("serve")
@require_POST
def conversation_reply(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    text = request.POST.get("text", "")
    try:
        message_send(actor=Actor.from_request(request), conversation=conversation, text=text)
    except MessageRefused as refused:
        messages.error(request, refused.message)
        # The text is kept so the agent does not lose what they typed.
        request.session[DRAFT_KEY] = {"conversation": conversation.pk, "text": text}
    else:
        messages.success(request, _("Mensagem na fila de envio."))
    return redirect("agent:conversation_detail", conversation_id=conversation.pk)


@capability_required("serve")
@require_POST
def queue_take_view(request: HttpRequest) -> HttpResponse:
    """Takes the longest-waiting conversation of the agent's teams and opens it."""
    try:
        routing = queue_take(actor=Actor.from_request(request), user=request.user)  # type: ignore[arg-type]
    except RoutingError as error:
        messages.error(request, error.message)
        return redirect("agent:conversation_list")
    messages.success(request, _("Atendimento puxado da fila: agora ele é seu."))
    return redirect("agent:conversation_detail", conversation_id=routing.conversation_id)

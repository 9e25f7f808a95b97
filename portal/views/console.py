"""The agent console (issue 6): one screen for every channel.

Left: the agent's state, contact search, the waiting list (6.5.58.1) and "my conversations"
with unread counts. Centre: the open conversation with its channel, the composer (canned
replies 6.5.58.4, emoji 6.5.58.6, attachments 6.5.58.9) and the transfer, invite and close
actions. Right: the contact panel (6.5.58.3, name editing 6.5.58.15) and the contact's
history on every channel (6.5.36, 6.5.58.12). Writes go through desk's and routing's services.
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.db import transaction
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from core.permissions import capability_required, has_capability
from desk.captured_selectors import captured_data_list
from desk.models import Contact, Conversation, Message
from desk.services.directory import contact_update
from desk.services.media import media_file_store, media_link_token
from desk.services.outbound import MAX_TEXT_LENGTH
from portal import chat_selectors, selectors
from portal.views.common import actor_of, answer, attempt, idle_context
from routing.models import AgentStatus, Disposition, PauseReason, RoutingState
from routing.selectors import (
    agent_list,
    agent_state_get,
    canned_reply_list,
    disposition_list,
    pause_reason_list,
    team_list,
    team_member_list_for_user,
)
from routing.services.access import is_participant
from routing.services.agents import agent_available, agent_login, agent_logout, agent_pause
from routing.services.history import contact_history_for, history_allows
from routing.services.lifecycle import (
    conversation_close,
    conversation_invite,
    conversation_transfer,
)
from routing.services.replies import agent_message_send

MAX_UPLOAD_BYTES = 100 * 1024 * 1024


def _scope(request: HttpRequest) -> selectors.Scope:
    return selectors.scope_for(request.user)  # type: ignore[arg-type]


def _conversation_or_404(request: HttpRequest, conversation_id: int) -> Conversation:
    conversation = selectors.conversation_find(_scope(request), conversation_id)
    if conversation is None:
        raise Http404
    if not history_allows(request.user, conversation):  # type: ignore[arg-type]  # 6.5.37.4
        raise Http404
    return conversation


def _with_media_links(messages_: list[Message]) -> list[Message]:
    for message in messages_:
        # A signed, expiring link on this host (desk.views.media_link), not the storage path.
        message.media_url = (  # type: ignore[attr-defined]
            reverse("desk:media_link", args=[media_link_token(message.media)])
            if message.media is not None
            else ""
        )
    return messages_


def _lists_context(request: HttpRequest, current: int | None) -> dict[str, Any]:
    scope = _scope(request)
    mine = selectors.my_list(scope)
    mine_ids = {conversation.pk for conversation in mine}
    waiting = [c for c in selectors.waiting_list(scope) if c.pk not in mine_ids]
    return {"mine": mine, "waiting": waiting, "current_id": current}


def _status_context(request: HttpRequest) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    state = agent_state_get(user)
    memberships = list(team_member_list_for_user(user.pk))
    return {
        "agent_state": state,
        "memberships": memberships,
        "pause_reasons": list(pause_reason_list()),
        "is_offline": state.status == AgentStatus.OFFLINE,
        "is_paused": state.status == AgentStatus.PAUSED,
    }


def _conversation_context(request: HttpRequest, conversation: Conversation) -> dict[str, Any]:
    user: User = request.user  # type: ignore[assignment]
    routing = selectors.routing_of(conversation)
    actor = actor_of(request)
    supervises = has_capability(user, "supervise")
    handles = (
        routing is not None
        and routing.state != RoutingState.CLOSED
        and (supervises or routing.agent_id == user.pk)
    )
    writes = (
        routing is not None
        and routing.state == RoutingState.ASSIGNED
        and (supervises or is_participant(actor, routing))
    )
    team_ids = [routing.team_id] if routing and routing.team_id else None
    draft = request.session.pop("portal_draft", None)
    return {
        "draft": draft["text"] if draft and draft.get("conversation") == conversation.pk else "",
        "conversation": conversation,
        "routing": routing,
        "thread": _with_media_links(list(selectors.thread(conversation))),
        "notes": selectors.handover_notes(conversation),
        "captured": list(captured_data_list(conversation=conversation)),  # 6.5.48.10
        "max_length": MAX_TEXT_LENGTH,
        "can_write": writes and conversation.is_open,
        "can_handle": handles and conversation.is_open,
        "agents": [agent for agent in agent_list() if agent.pk != user.pk],
        "teams": list(team_list()),
        "dispositions": list(disposition_list(team_ids[0] if team_ids else None)),
        "replies": list(canned_reply_list(team_ids=_reply_teams(request))[:50]),
    }


def _reply_teams(request: HttpRequest) -> list[int] | None:
    scope = _scope(request)
    return None if scope.everything else sorted(scope.team_ids)


def _contact_context(request: HttpRequest, contact: Contact, current: int | None) -> dict[str, Any]:
    return {
        "contact": contact,
        "history": list(  # 6.5.37.4: the team's choice of visible history
            contact_history_for(request.user, contact, current_id=current)  # type: ignore[arg-type]
        ),
        "current_id": current,
    }


def _page(
    request: HttpRequest,
    conversation: Conversation | None,
    contact: Contact | None = None,
) -> HttpResponse:
    current = conversation.pk if conversation else None
    context: dict[str, Any] = {
        **_lists_context(request, current),
        **_status_context(request),
        **idle_context(request),
        "chat_unread": chat_selectors.chat_unread_total(request.user),  # type: ignore[arg-type]
        "sse_url": reverse("agent:live_events"),
    }
    if conversation is not None:
        context.update(_conversation_context(request, conversation))
        contact = conversation.contact
    if contact is not None:
        context.update(_contact_context(request, contact, current))
    return render(request, "portal/console/page.html", context)


@capability_required("serve")
@require_safe
def console(request: HttpRequest) -> HttpResponse:
    return _page(request, None)


@capability_required("serve")
@require_safe
def conversation_page(request: HttpRequest, conversation_id: int) -> HttpResponse:
    return _page(request, _conversation_or_404(request, conversation_id))


@capability_required("serve")
@require_safe
def lists_fragment(request: HttpRequest) -> HttpResponse:
    current = request.GET.get("c", "")
    context = _lists_context(request, int(current) if current.isdigit() else None)
    return render(request, "portal/console/_lists.html", context)


@capability_required("serve")
@require_safe
def thread_fragment(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    thread = _with_media_links(list(selectors.thread(conversation)))
    return render(
        request, "portal/console/_thread.html", {"conversation": conversation, "thread": thread}
    )


def _conversation_fragment(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    return render(
        request,
        "portal/console/_conversation.html",
        _conversation_context(request, conversation),
    )


def _after_action(request: HttpRequest, conversation_id: int) -> HttpResponse:
    page = reverse("portal_console:conversation", args=[conversation_id])

    def fragment() -> HttpResponse:
        conversation = selectors.conversation_find(_scope(request), conversation_id)
        if conversation is None:
            # Transferred away: the agent no longer sees it; the lists refresh on the event.
            response = render(request, "portal/console/_gone.html", {})
        else:
            response = _conversation_fragment(request, conversation_id)
        response["HX-Trigger"] = "portal:refresh"
        return response

    return answer(request, page, fragment)


def _media_kind(mime_type: str) -> str:
    base = mime_type.split("/", 1)[0]
    return base if base in ("image", "video", "audio") else "document"


@capability_required("serve")
@require_POST
def send(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    text = request.POST.get("text", "")
    upload = request.FILES.get("attachment")

    def work() -> None:
        with transaction.atomic():
            media = None
            if upload is not None:
                if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
                    from desk.services.media import MediaRejected

                    raise MediaRejected("too_large", _("O arquivo é grande demais."))
                mime_type = upload.content_type or "application/octet-stream"
                # A refused message rolls the file's row back with it.
                media = media_file_store(
                    content=upload.read(),
                    mime_type=mime_type,
                    kind=_media_kind(mime_type),
                    original_name=upload.name or "",
                )
            agent_message_send(
                actor=actor_of(request), conversation=conversation, text=text, media=media
            )

    if not attempt(request, work, _("Mensagem na fila de envio.")):
        request.session["portal_draft"] = {"conversation": conversation.pk, "text": text}
    return _after_action(request, conversation.pk)


@capability_required("serve")
@require_POST
def transfer(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    agent_id = request.POST.get("agent", "")
    team_id = request.POST.get("team", "")
    to_agent = User.objects.filter(pk=int(agent_id)).first() if agent_id.isdigit() else None
    to_team = int(team_id) if team_id.isdigit() and to_agent is None else None
    attempt(
        request,
        lambda: conversation_transfer(
            actor=actor_of(request),
            conversation=conversation,
            to_agent=to_agent,
            to_team_id=to_team,
            note=request.POST.get("note", ""),
        ),
        _("Atendimento transferido."),
    )
    return _after_action(request, conversation.pk)


@capability_required("serve")
@require_POST
def invite(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    agent_id = request.POST.get("agent", "")
    agent = User.objects.filter(pk=int(agent_id)).first() if agent_id.isdigit() else None
    if agent is None:
        messages.error(request, _("Escolha um atendente."))
    else:
        attempt(
            request,
            lambda: conversation_invite(
                actor=actor_of(request), conversation=conversation, agent=agent
            ),
            _("Atendente convidado."),
        )
    return _after_action(request, conversation.pk)


@capability_required("serve")
@require_POST
def close(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = _conversation_or_404(request, conversation_id)
    disposition_id = request.POST.get("disposition", "")
    disposition = (
        Disposition.objects.filter(pk=int(disposition_id), is_active=True).first()
        if disposition_id.isdigit()
        else None
    )
    attempt(
        request,
        lambda: conversation_close(
            actor=actor_of(request),
            conversation=conversation,
            disposition=disposition,
            note=request.POST.get("note", ""),
        ),
        _("Atendimento encerrado."),
    )
    return _after_action(request, conversation.pk)


@capability_required("serve")
@require_POST
def agent_status(request: HttpRequest) -> HttpResponse:
    """Team login, pause with a reason (6.5.58.13), back to available, logout."""
    user: User = request.user  # type: ignore[assignment]
    actor = actor_of(request)
    action = request.POST.get("action", "")
    if action == "login":
        teams = [int(team) for team in request.POST.getlist("teams") if team.isdigit()]
        attempt(request, lambda: agent_login(actor=actor, user=user, teams=teams), _("Conectado."))
    elif action == "pause":
        reason_id = request.POST.get("reason", "")
        reason = (
            PauseReason.objects.filter(pk=int(reason_id)).first() if reason_id.isdigit() else None
        )
        if reason is None:
            messages.error(request, _("Escolha o motivo da pausa."))
        else:
            attempt(
                request,
                lambda: agent_pause(actor=actor, user=user, reason=reason),
                _("Em pausa."),
            )
    elif action == "available":
        attempt(request, lambda: agent_available(actor=actor, user=user), _("Disponível."))
    elif action == "logout":
        attempt(request, lambda: agent_logout(actor=actor, user=user), _("Desconectado."))
    else:
        messages.error(request, _("Ação desconhecida."))

    def fragment() -> HttpResponse:
        response = render(request, "portal/console/_status.html", _status_context(request))
        response["HX-Trigger"] = "portal:refresh"
        return response

    return answer(request, reverse("portal_console:index"), fragment)


@capability_required("serve")
@require_safe
def contact_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    contact = selectors.contact_find(_scope(request), contact_id)
    if contact is None:
        raise Http404
    if getattr(request, "htmx", False):
        return render(
            request, "portal/console/_contact.html", _contact_context(request, contact, None)
        )
    return _page(request, None, contact)


@capability_required("serve")
@require_POST
def contact_rename(request: HttpRequest, contact_id: int) -> HttpResponse:
    """6.5.58.15: the agent corrects the citizen's name."""
    contact = selectors.contact_find(_scope(request), contact_id)
    if contact is None:
        raise Http404
    name = request.POST.get("name", "")
    attempt(
        request,
        lambda: contact_update(actor=actor_of(request), contact=contact, name=name),
        _("Nome do contato atualizado."),
    )
    current = request.POST.get("conversation", "")
    default = (
        reverse("portal_console:conversation", args=[int(current)])
        if current.isdigit()
        else reverse("portal_console:contact", args=[contact.pk])
    )

    def fragment() -> HttpResponse:
        fresh = Contact.objects.prefetch_related("identities__channel").get(pk=contact.pk)
        context = _contact_context(request, fresh, int(current) if current.isdigit() else None)
        response = render(request, "portal/console/_contact.html", context)
        response["HX-Trigger"] = "portal:refresh"
        return response

    return answer(request, default, fragment)


@capability_required("serve")
@require_safe
def history_conversation(
    request: HttpRequest, contact_id: int, conversation_id: int
) -> HttpResponse:
    """One past conversation of the contact, on any channel (6.5.58.12)."""
    contact = selectors.contact_find(_scope(request), contact_id)
    if contact is None:
        raise Http404
    conversation = (
        Conversation.objects.select_related("channel", "team")
        .filter(pk=conversation_id, contact=contact)
        .first()
    )
    current = request.GET.get("c", "")
    if conversation is None or not history_allows(
        request.user,  # type: ignore[arg-type]
        conversation,
        current_id=int(current) if current.isdigit() else None,
    ):  # 6.5.37.4
        raise Http404
    thread = _with_media_links(list(selectors.thread(conversation)))
    return render(
        request,
        "portal/console/_history_thread.html",
        {"conversation": conversation, "thread": thread, "contact": contact},
    )


@capability_required("serve")
@require_safe
def contact_search(request: HttpRequest) -> HttpResponse:
    query = request.GET.get("q", "")
    results = selectors.contact_search(_scope(request), query)
    return render(
        request,
        "portal/console/_search.html",
        {"results": results, "query": query, "searched": len(query.strip()) >= 2},
    )


@capability_required("serve")
@require_safe
def replies(request: HttpRequest) -> HttpResponse:
    """Canned replies of the agent's teams (and the ones for every team), searchable."""
    query = request.GET.get("q", "")[:80]
    found = list(canned_reply_list(team_ids=_reply_teams(request), search=query)[:50])
    return render(request, "portal/console/_replies.html", {"replies": found, "query": query})


@require_safe
def service_worker(request: HttpRequest) -> HttpResponse:
    """Served under /console/ so its scope is the console (6.5.64); the file lives in static."""
    from django.contrib.staticfiles import finders

    path = finders.find("portal/sw.js")
    if not path:
        raise Http404
    with open(str(path), encoding="utf-8") as handle:
        body = handle.read()
    response = HttpResponse(body, content_type="application/javascript; charset=utf-8")
    response["Service-Worker-Allowed"] = "/console/"
    response["Cache-Control"] = "no-cache"
    return response

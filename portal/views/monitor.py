"""The supervisor's monitor (issue 6): agents with their state and conversations (6.5.44.2,
6.5.45), each conversation's duration, team and channel (6.5.44.7-9), the waiting queue with
assignment to an available agent (6.5.44.6). Intervening (6.5.44.3), transferring (6.5.44.4)
and closing (6.5.44.5) happen on the conversation screen, through routing's services, which
check the `supervise` capability themselves."""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from core.permissions import capability_required
from desk.models import Conversation
from portal import selectors
from portal.views.common import actor_of, answer, attempt, idle_context
from portal.views.console import _conversation_context, _lists_context
from routing.models import AgentStatus
from routing.services.lifecycle import conversation_assign


def _board_context(request: HttpRequest) -> dict[str, Any]:
    now = timezone.now()
    team_ids = selectors.supervised_team_ids(request.user)  # type: ignore[arg-type]
    agents = selectors.monitor_agents(team_ids)
    for row in agents:
        for routing in row.conversations:
            routing.minutes = selectors.minutes_since(  # type: ignore[attr-defined]
                routing.assigned_at or routing.conversation.opened_at, now
            )
    queue = selectors.monitor_queue(team_ids)
    for routing in queue:
        routing.minutes = selectors.minutes_since(  # type: ignore[attr-defined]
            routing.waiting_since or routing.conversation.opened_at, now
        )
    unrouted = selectors.unrouted_waiting(team_ids)
    for conversation in unrouted:
        conversation.minutes = selectors.minutes_since(  # type: ignore[attr-defined]
            conversation.opened_at, now
        )
    available = [row.user for row in agents if row.status == AgentStatus.AVAILABLE]
    return {
        "agents": agents,
        "queue": queue,
        "unrouted": unrouted,
        "available": available,
        "counts": {
            "available": sum(1 for row in agents if row.status == AgentStatus.AVAILABLE),
            "paused": sum(1 for row in agents if row.status == AgentStatus.PAUSED),
            "ongoing": sum(len(row.conversations) for row in agents),
            "waiting": len(queue) + len(unrouted),
        },
        "now": now,
    }


@capability_required("supervise")
@require_safe
def monitor(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "portal/monitor/page.html",
        {
            **_board_context(request),
            **idle_context(request),
            "sse_url": reverse("agent:live_events"),
        },
    )


@capability_required("supervise")
@require_safe
def board_fragment(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/monitor/_board.html", _board_context(request))


@capability_required("supervise")
@require_POST
def assign(request: HttpRequest, conversation_id: int) -> HttpResponse:
    conversation = Conversation.objects.filter(pk=conversation_id).first()
    if conversation is None:
        raise Http404
    agent_id = request.POST.get("agent", "")
    agent = User.objects.filter(pk=int(agent_id)).first() if agent_id.isdigit() else None
    if agent is None:
        messages.error(request, _("Escolha um atendente disponível."))
    else:
        attempt(
            request,
            lambda: conversation_assign(
                actor=actor_of(request), conversation=conversation, agent=agent
            ),
            _("Atendimento atribuído a %(name)s.") % {"name": agent.full_name},
        )

    def fragment() -> HttpResponse:
        return render(request, "portal/monitor/_board.html", _board_context(request))

    return answer(request, reverse("portal_monitor:index"), fragment)


@capability_required("supervise")
@require_safe
def conversation(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """The supervisor's view of one conversation: read, intervene, transfer, close."""
    found = selectors.conversation_find(selectors.scope_for(request.user), conversation_id)  # type: ignore[arg-type]
    if found is None:
        raise Http404
    context = {
        **_conversation_context(request, found),
        **_lists_context(request, found.pk),
        **idle_context(request),
        "sse_url": reverse("agent:live_events"),
        "contact": found.contact,
        "history": selectors.contact_history(found.contact),
        "current_id": found.pk,
        "back": reverse("portal_monitor:index"),
    }
    return render(request, "portal/monitor/conversation.html", context)

"""The internal chat (6.5.58.10, 6.5.62): every signed-in user of the tenant may talk to any
other, inside the platform. New messages arrive live (the `chat.message` event, addressed to
the two people only)."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST, require_safe

from accounts.models import User
from portal import chat_selectors
from portal.models import MAX_CHAT_TEXT
from portal.services import internal_message_send, internal_thread_mark_read
from portal.views.common import actor_of, answer, attempt, idle_context


def _me(request: HttpRequest) -> User:
    return request.user  # type: ignore[return-value]


def _other_or_404(request: HttpRequest, user_id: int) -> User:
    other = chat_selectors.chat_person(_me(request), user_id)
    if other is None:
        raise Http404
    return other


def _thread_context(request: HttpRequest, other: User) -> dict[str, Any]:
    me = _me(request)
    internal_thread_mark_read(reader=me, other=other)
    return {"other": other, "me": me, "chat": chat_selectors.chat_thread(me, other)}


def _page_context(request: HttpRequest, other: User | None) -> dict[str, Any]:
    query = request.GET.get("q", "")[:80]
    context: dict[str, Any] = {
        "people": chat_selectors.chat_people(_me(request), query),
        "query": query,
        "other": other,
        "max_length": MAX_CHAT_TEXT,
        "sse_url": reverse("agent:live_events"),
        **idle_context(request),
    }
    if other is not None:
        context.update(_thread_context(request, other))
    return context


@login_required
@require_safe
def chat_index(request: HttpRequest) -> HttpResponse:
    return render(request, "portal/chat/page.html", _page_context(request, None))


@login_required
@require_safe
def chat_with(request: HttpRequest, user_id: int) -> HttpResponse:
    other = _other_or_404(request, user_id)
    return render(request, "portal/chat/page.html", _page_context(request, other))


@login_required
@require_safe
def chat_people_fragment(request: HttpRequest) -> HttpResponse:
    current = request.GET.get("com", "")
    query = request.GET.get("q", "")[:80]
    return render(
        request,
        "portal/chat/_people.html",
        {
            "people": chat_selectors.chat_people(_me(request), query),
            "current_id": int(current) if current.isdigit() else None,
        },
    )


@login_required
@require_safe
def chat_thread_fragment(request: HttpRequest, user_id: int) -> HttpResponse:
    other = _other_or_404(request, user_id)
    return render(request, "portal/chat/_thread.html", _thread_context(request, other))


@login_required
@require_safe
def chat_unread(request: HttpRequest) -> HttpResponse:
    """The console's link to the chat, with the unread count (refreshed live)."""
    return render(
        request,
        "portal/chat/_link.html",
        {"chat_unread": chat_selectors.chat_unread_total(_me(request))},
    )


@login_required
@require_POST
def chat_send(request: HttpRequest, user_id: int) -> HttpResponse:
    other = _other_or_404(request, user_id)
    text = request.POST.get("text", "")
    sent = attempt(
        request,
        lambda: internal_message_send(
            actor=actor_of(request), sender=_me(request), recipient=other, text=text
        ),
        _("Mensagem enviada."),
    )

    def fragment() -> HttpResponse:
        context = {**_thread_context(request, other), "draft": "" if sent else text}
        return render(request, "portal/chat/_conversation.html", context)

    return answer(request, reverse("portal_console:chat_with", args=[other.pk]), fragment)

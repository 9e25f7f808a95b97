"""The "Dados do atendimento" box of the console (6.5.48.10): the data captured in the open
conversation (by flows, agents or integrations) and a form to record one. Values pass through
the `mask` filter for users without `view_sensitive_data`."""

from __future__ import annotations

from typing import Any

from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from core.permissions import capability_required
from desk.captured_selectors import captured_data_list
from desk.models import CaptureSource, Conversation
from desk.services.captured_data import conversation_data_capture
from portal.views.common import actor_of, answer, attempt
from portal.views.console import _conversation_or_404


def captured_context(conversation: Conversation) -> dict[str, Any]:
    return {
        "conversation": conversation,
        "captured": list(captured_data_list(conversation=conversation)),
    }


@capability_required("serve")
@require_POST
def captured_data_save(request: HttpRequest, conversation_id: int) -> HttpResponse:
    """Records one field (key and value) in a conversation the agent sees."""
    conversation = _conversation_or_404(request, conversation_id)
    attempt(
        request,
        lambda: conversation_data_capture(
            actor=actor_of(request),
            conversation=conversation,
            key=request.POST.get("key", ""),
            value=request.POST.get("value", ""),
            label=request.POST.get("label", ""),
            source=CaptureSource.AGENT,
        ),
        _("Dado do atendimento registrado."),
    )

    def fragment() -> HttpResponse:
        return render(request, "portal/console/_captured.html", captured_context(conversation))

    return answer(request, reverse("portal_console:conversation", args=[conversation.pk]), fragment)

"""6.5.58.11: from a registered contact, the agent starts a conversation on one of the
contact's channels. Inside the 24-hour window the first message is free text; outside it
WhatsApp accepts only an approved template (name, language and the values of its variables),
and desk's outbound service refuses anything else before it is queued."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods

from accounts.models import User
from channels.models import Channel, ChannelType
from core.permissions import capability_required
from desk.contact_selectors import contacts_visible
from desk.models import Contact, Conversation
from desk.services.outbound import TemplateSpec, session_window_closes_at
from portal.services import conversation_start
from portal.views.common import actor_of, attempt, idle_context

MAX_VARIABLES = 10


@dataclass
class ChannelOption:
    channel: Channel
    window_closes_at: datetime | None
    window_open: bool
    uses_templates: bool


def _options(contact: Contact, now: datetime) -> list[ChannelOption]:
    """The contact's channels, and WhatsApp channels when a phone is registered."""
    identities = {
        identity.channel_id: identity
        for identity in contact.identities.select_related("channel").filter(channel__is_active=True)
    }
    channels = [identity.channel for identity in identities.values()]
    if contact.phone:
        channels += list(
            Channel.objects.filter(is_active=True, type=ChannelType.WHATSAPP).exclude(
                pk__in=identities
            )
        )
    options = []
    for channel in sorted(channels, key=lambda item: (item.name, item.pk)):
        identity = identities.get(channel.pk)
        closes_at = session_window_closes_at(identity) if identity is not None else None
        options.append(
            ChannelOption(
                channel=channel,
                window_closes_at=closes_at,
                window_open=closes_at is not None and now < closes_at,
                uses_templates=channel.type == ChannelType.WHATSAPP,
            )
        )
    return options


def _template(request: HttpRequest) -> TemplateSpec | None:
    name = request.POST.get("template_name", "").strip()
    if not name:
        return None
    values = [
        line.strip()
        for line in request.POST.get("template_values", "").splitlines()
        if line.strip()
    ][:MAX_VARIABLES]
    components = (
        [{"type": "body", "parameters": [{"type": "text", "text": value} for value in values]}]
        if values
        else []
    )
    language = request.POST.get("template_language", "").strip() or "pt_BR"
    return TemplateSpec(name=name[:512], language=language[:16], components=components)


@capability_required("serve")
@require_http_methods(["GET", "POST"])
def conversation_start_page(request: HttpRequest, contact_id: int) -> HttpResponse:
    user: User = request.user  # type: ignore[assignment]
    contact = contacts_visible(user).filter(pk=contact_id).first()
    if contact is None:
        raise Http404
    options = _options(contact, timezone.now())
    started: list[Conversation] = []
    if request.method == "POST":
        chosen = request.POST.get("channel", "")
        option = next((o for o in options if str(o.channel.pk) == chosen), None)
        if option is None:
            messages.error(request, _("Escolha o canal."))
        else:
            template = _template(request)
            ok = attempt(
                request,
                lambda: started.append(
                    conversation_start(
                        actor=actor_of(request),
                        agent=user,
                        contact=contact,
                        channel=option.channel,
                        text=request.POST.get("text", ""),
                        template=template,
                    )
                ),
                _("Atendimento iniciado."),
            )
            if ok and started:
                return redirect(reverse("portal_console:conversation", args=[started[0].pk]))
    context: dict[str, Any] = {
        "contact": contact,
        "options": options,
        "posted": request.POST,
        **idle_context(request),
    }
    return render(
        request,
        "portal/console/start.html",
        context,
        status=400 if request.method == "POST" else 200,
    )

"""The provider simulator page (6.8.5): a tenant admin acts as a citizen on WhatsApp or Telegram.

What the admin types is sent by `channels.sandbox.citizen` as a signed webhook over HTTP to the
platform's public webhook URL (the real intake path). The platform answers through the channel,
which, in sandbox mode, sends to the built-in simulator; the simulator writes what it received,
and the statuses it posts back, to the transcript this page shows (polled every two seconds).
"""

from __future__ import annotations

import secrets
from typing import Any

from django.contrib import messages
from django.db import connection
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_POST, require_safe

from channels.errors import ChannelError
from channels.forms import CitizenForm, SimulatedMessageForm
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.telegram.simulator import TelegramSimulator
from channels.providers.whatsapp.simulator import WhatsAppSimulator
from channels.sandbox import state
from channels.sandbox.citizen import CitizenImage, citizen_send, simulatable
from core.permissions import capability_required

SESSION_KEY = "sandbox_citizen"
STATUS_LABELS = {
    "sent": gettext_lazy("enviada"),
    "delivered": gettext_lazy("entregue"),
    "read": gettext_lazy("lida"),
    "failed": gettext_lazy("falhou"),
}
FAILURE_LABELS = {
    "session_window_closed": gettext_lazy("Janela de 24 horas encerrada (131047)"),
    "rate_limited": gettext_lazy("Limite de envio atingido (130429 / 429)"),
    "pair_rate_limited": gettext_lazy("Muitas mensagens ao mesmo número (131056)"),
    "auth": gettext_lazy("Token de acesso inválido (190 / 401)"),
    "server_error": gettext_lazy("Erro no servidor do provedor (500)"),
    "chat_not_found": gettext_lazy("Chat não encontrado (400)"),
    "blocked": gettext_lazy("Bot bloqueado pelo cidadão (403)"),
}


def _sandbox_channel(channel_id: int) -> Channel:
    channel = get_object_or_404(Channel, pk=channel_id)
    if not simulatable(channel):
        raise Http404
    return channel


def _failure_modes(channel: Channel) -> dict[str, Any]:
    modes = (
        WhatsAppSimulator.failure_modes
        if channel.type == ChannelType.WHATSAPP
        else TelegramSimulator.failure_modes
    )
    return {mode: FAILURE_LABELS.get(mode, mode) for mode in modes}


def _citizen(request: HttpRequest, channel: Channel) -> dict[str, str]:
    """The citizen this admin is playing on this channel (kept in the session)."""
    citizens: dict[str, dict[str, str]] = request.session.get(SESSION_KEY, {})
    citizen = citizens.get(str(channel.pk))
    if citizen is None:
        # A fresh number per admin and channel, so two admins do not share a conversation.
        digits = "".join(str(secrets.randbelow(10)) for _ in range(7))
        citizen = {
            "id": f"55619{digits}" if channel.type == ChannelType.WHATSAPP else f"9{digits}",
            "name": _("Maria Cidadã"),
        }
        citizens[str(channel.pk)] = citizen
        request.session[SESSION_KEY] = citizens
    return citizen


def _account_id(channel: Channel) -> str:
    return channel.account_id


def _transcript(channel: Channel, citizen_id: str) -> list[dict[str, Any]]:
    """The conversation as the citizen's phone would show it: messages in order, each outbound
    one with the statuses the simulator reported for it."""
    schema_name: str = connection.schema_name  # type: ignore[attr-defined]
    entries = state.transcript_get(schema_name, channel.pk, citizen_id)
    statuses: dict[str, list[str]] = {}
    answers: dict[str, int] = {}
    for entry in entries:
        if entry.get("type") != "status":
            continue
        if entry.get("status"):
            statuses.setdefault(str(entry.get("id")), []).append(str(entry["status"]))
        if entry.get("http_status") is not None and entry.get("status") is None:
            answers[str(entry.get("id"))] = int(entry["http_status"])
    shown = []
    for entry in entries:
        if entry.get("type") == "status":
            continue
        item = dict(entry)
        reported = statuses.get(str(entry.get("id")), [])
        if entry.get("status"):
            reported = [str(entry["status"]), *reported]
        item["statuses"] = [str(STATUS_LABELS.get(status, status)) for status in reported]
        item["http_status"] = answers.get(str(entry.get("id")))
        shown.append(item)
    return shown


@capability_required("manage_settings")
@require_safe
def simulator_index(request: HttpRequest) -> HttpResponse:
    channels = Channel.objects.filter(is_active=True).order_by("type", "name")
    return render(
        request,
        "channels/simulator_index.html",
        {
            "simulated": [channel for channel in channels if simulatable(channel)],
            "live": [
                channel
                for channel in channels
                if channel.type != ChannelType.WEBCHAT and channel.mode == ChannelMode.LIVE
            ],
            "webchats": [channel for channel in channels if channel.type == ChannelType.WEBCHAT],
        },
    )


@capability_required("manage_settings")
@require_safe
def simulator_page(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _sandbox_channel(channel_id)
    citizen = _citizen(request, channel)
    return render(
        request,
        "channels/simulator.html",
        {
            "channel": channel,
            "citizen": citizen,
            "citizen_form": CitizenForm(
                initial={"citizen_id": citizen["id"], "citizen_name": citizen["name"]}
            ),
            "message_form": SimulatedMessageForm(),
            "transcript": _transcript(channel, citizen["id"]),
            "failure_modes": _failure_modes(channel),
            "failures_pending": [
                FAILURE_LABELS.get(mode, mode)
                for mode in state.failures_pending(channel.type, _account_id(channel))
            ],
        },
    )


@capability_required("manage_settings")
@require_safe
def simulator_transcript(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _sandbox_channel(channel_id)
    citizen = _citizen(request, channel)
    return render(
        request,
        "channels/_simulator_transcript.html",
        {
            "channel": channel,
            "transcript": _transcript(channel, citizen["id"]),
        },
    )


@capability_required("manage_settings")
@require_POST
def simulator_send(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _sandbox_channel(channel_id)
    citizen = _citizen(request, channel)
    form = SimulatedMessageForm(request.POST, request.FILES)
    if not form.is_valid():
        for errors in form.errors.values():
            for error in errors:
                messages.error(request, str(error))
        return redirect("channels:simulator", channel_id=channel.pk)
    upload = form.cleaned_data.get("image")
    image = None
    if upload is not None:
        image = CitizenImage(
            content=upload.read(), mime_type=upload.content_type or "", filename=upload.name or ""
        )
    try:
        delivered = citizen_send(
            channel=channel,
            citizen_id=citizen["id"],
            citizen_name=citizen["name"],
            text=form.cleaned_data.get("text") or "",
            image=image,
        )
    except ChannelError as error:
        messages.error(request, error.message)
    else:
        if not delivered.accepted:
            messages.error(
                request,
                _("A plataforma recusou o webhook (HTTP %(status)s): %(body)s")
                % {"status": delivered.status_code or "—", "body": delivered.body},
            )
    return redirect("channels:simulator", channel_id=channel.pk)


@capability_required("manage_settings")
@require_POST
def simulator_citizen(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _sandbox_channel(channel_id)
    form = CitizenForm(request.POST)
    if form.is_valid() and form.cleaned_data["citizen_id"].isdigit():
        citizens = request.session.get(SESSION_KEY, {})
        citizens[str(channel.pk)] = {
            "id": form.cleaned_data["citizen_id"],
            "name": form.cleaned_data.get("citizen_name") or _("Cidadão de teste"),
        }
        request.session[SESSION_KEY] = citizens
        messages.success(request, _("Agora você é outro cidadão nesta simulação."))
    else:
        messages.error(request, _("Informe o número do cidadão só com dígitos."))
    return redirect("channels:simulator", channel_id=channel.pk)


@capability_required("manage_settings")
@require_POST
def simulator_failure(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = _sandbox_channel(channel_id)
    mode = request.POST.get("mode", "")
    if mode not in _failure_modes(channel):
        messages.error(request, _("Escolha uma falha da lista."))
    else:
        state.failure_queue(channel.type, _account_id(channel), mode)
        messages.success(
            request,
            _("O próximo envio da plataforma por este canal vai falhar: %(mode)s")
            % {"mode": FAILURE_LABELS.get(mode, mode)},
        )
    return redirect("channels:simulator", channel_id=channel.pk)

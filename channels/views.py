"""Channel screens for tenant admins (capability `manage_settings`): list, create, edit, and a
page that embeds the WebChat widget to try it.

Secrets are never sent back to the browser: the edit form shows them masked and leaves the
inputs empty; an empty input keeps the stored value (channels.services.channel_update).
"""

from __future__ import annotations

from typing import Any

from django.contrib import messages
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_safe

from channels.errors import ChannelError
from channels.forms import FORMS, ChannelForm
from channels.models import Channel, ChannelMode, ChannelType
from channels.sandbox.transport import builtin_sandbox_url, sandbox_http_client
from channels.selectors import channel_list as channels_all
from channels.services import WebChatSettings, channel_create, channel_update, webhook_url
from channels.webchat import embed_snippet, tenant_base_url, webchat_origin_allowed
from core.permissions import capability_required
from security.actors import Actor

CREDENTIAL_LABELS = {
    "phone_number_id": gettext_lazy("Identificação do número"),
    "business_account_id": gettext_lazy("Conta do WhatsApp Business"),
    "access_token": gettext_lazy("Token de acesso"),
    "app_secret": gettext_lazy("Chave secreta do aplicativo"),
    "verify_token": gettext_lazy("Token de verificação"),
    "api_version": gettext_lazy("Versão da API"),
    "bot_token": gettext_lazy("Token do bot"),
    "secret_token": gettext_lazy("Token secreto do webhook"),
    "signing_key": gettext_lazy("Chave de assinatura dos visitantes"),
}


def _form_error(form: ChannelForm, error: ChannelError) -> None:
    field = error.field if error.field in form.fields else None
    if error.field == "account_id" and "phone_number_id" in form.fields:
        field = "phone_number_id"
    elif error.field == "account_id" and "bot_token" in form.fields:
        field = "bot_token"
    form.add_error(field, error.message)


def _webchat_settings(form: ChannelForm) -> WebChatSettings | None:
    data = form.webchat()
    return WebChatSettings(**data) if data is not None else None


def _initial(channel: Channel) -> dict[str, Any]:
    credentials = channel.credentials_data()
    initial: dict[str, Any] = {
        "name": channel.name,
        "mode": channel.mode,
        "default_team": channel.default_team_id,
        "protocol_notice": channel.protocol_notice,
        "sandbox_base_url": channel.sandbox_base_url,
        "is_active": channel.is_active,
    }
    if channel.type == ChannelType.WHATSAPP:
        initial["phone_number_id"] = channel.account_id
        initial["business_account_id"] = credentials.get("business_account_id", "")
    if channel.type == ChannelType.WEBCHAT:
        initial.update(
            webchat_allowed_origins="\n".join(channel.webchat_allowed_origins or []),
            webchat_primary_color=channel.webchat_primary_color,
            webchat_text_color=channel.webchat_text_color,
            webchat_greeting=channel.webchat_greeting,
        )
    return initial


@capability_required("manage_settings")
@require_safe
def channel_list(request: HttpRequest) -> HttpResponse:
    return render(
        request,
        "channels/list.html",
        {
            "channels": channels_all(),
            "types": ChannelType.choices,
        },
    )


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def channel_new(request: HttpRequest, channel_type: str) -> HttpResponse:
    form_class = FORMS.get(channel_type)
    if form_class is None:
        raise Http404
    form = form_class(request.POST or None, initial={"mode": ChannelMode.SANDBOX})
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sandbox_url = data.get("sandbox_base_url") or ""
        try:
            channel = channel_create(
                actor=Actor.from_request(request),
                type=channel_type,
                name=data["name"],
                credentials=form.credentials(),
                mode=data["mode"],
                default_team=data.get("default_team"),
                sandbox_base_url=sandbox_url,
                protocol_notice=bool(data.get("protocol_notice")),
                webchat=_webchat_settings(form),
                http=sandbox_http_client(channel_type, data["mode"], sandbox_url),
            )
        except ChannelError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Canal criado."))
            return redirect("channels:edit", channel_id=channel.pk)
    return render(
        request,
        "channels/form.html",
        {
            "form": form,
            "title": _("Novo canal: %(type)s") % {"type": ChannelType(channel_type).label},
            "channel_type": channel_type,
        },
    )


@capability_required("manage_settings")
@require_http_methods(["GET", "POST"])
def channel_edit(request: HttpRequest, channel_id: int) -> HttpResponse:
    channel = get_object_or_404(Channel, pk=channel_id)
    form_class = FORMS[channel.type]
    form = form_class(
        request.POST or None,
        initial=_initial(channel),
        editing=True,
        masked=channel.credentials_masked(),
    )
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        sandbox_url = data.get("sandbox_base_url") or ""
        credentials = {key: value for key, value in form.credentials().items() if value}
        try:
            channel = channel_update(
                actor=Actor.from_request(request),
                channel=channel,
                name=data["name"],
                credentials=credentials or None,
                mode=data["mode"],
                default_team=data.get("default_team"),
                sandbox_base_url=sandbox_url if "sandbox_base_url" in form.fields else None,
                protocol_notice=bool(data.get("protocol_notice")),
                webchat=_webchat_settings(form),
                is_active=bool(data.get("is_active")),
                http=sandbox_http_client(channel.type, data["mode"], sandbox_url),
            )
        except ChannelError as error:
            _form_error(form, error)
        else:
            messages.success(request, _("Canal salvo."))
            return redirect("channels:edit", channel_id=channel.pk)
    base_url = tenant_base_url(request)
    return render(
        request,
        "channels/form.html",
        {
            "form": form,
            "title": channel.name,
            "channel": channel,
            "channel_type": channel.type,
            "masked": [
                (CREDENTIAL_LABELS.get(key, key), value)
                for key, value in channel.credentials_masked().items()
            ],
            "webhook_url": webhook_url(channel) if channel.type != ChannelType.WEBCHAT else "",
            "snippet": embed_snippet(channel, base_url)
            if channel.type == ChannelType.WEBCHAT
            else "",
            "sandbox_url": channel.sandbox_base_url or builtin_sandbox_url(channel.type),
        },
    )


@capability_required("manage_settings")
@require_safe
def webchat_preview(request: HttpRequest, channel_id: int) -> HttpResponse:
    """A page of the tenant's own host with the widget embedded, to try it. This host must be
    among the channel's authorised sites."""
    channel = get_object_or_404(Channel, pk=channel_id, type=ChannelType.WEBCHAT)
    base_url = tenant_base_url(request)
    return render(
        request,
        "channels/webchat_preview.html",
        {
            "channel": channel,
            "base_url": base_url,
            "origin_allowed": webchat_origin_allowed(channel, base_url),
        },
    )

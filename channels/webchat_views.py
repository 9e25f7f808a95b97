"""The WebChat widget's endpoints on the tenant host, /webchat/<channel key>/…

    GET  config        colours, greeting, upload limits (public)
    POST token         {"token": previous or absent} -> {"visitor_id", "token"}
    POST messages      the widget's message (channels/providers/webchat/protocol.py): the same
                       intake view as every provider webhook, so the raw event goes to the inbox
                       once (unique key) and is processed exactly once
    POST upload        multipart `file` -> {"upload_id", ...} for the message's attachments
    GET  conversation  the visitor's protocol number and latest messages
    GET  events        SSE: replies for this visitor only (token in `?token=`, as EventSource
                       cannot send headers)

Calls from a page whose Origin the channel does not list are refused (403), and CORS headers
are only ever given to listed origins. A request without Origin (same-origin GETs, scripts) is
judged by its token alone. No cookie is used: the widget lives on someone else's site.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from asgiref.sync import sync_to_async
from django.core.cache import cache
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.http.response import HttpResponseBase
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from channels.intake.views import webchat_webhook
from channels.models import Channel
from channels.providers.webchat.adapter import bearer_token
from channels.providers.webchat.protocol import MAX_UPLOAD_BYTES
from channels.webchat import (
    UploadRefused,
    tenant_base_url,
    upload_limits,
    visitor_claims,
    visitor_conversation,
    visitor_session,
    webchat_channel_get,
    webchat_origin_allowed,
    webchat_upload_store,
)
from desk.live import Event, event_stream, request_last_event_id, sse_response
from desk.models import Message
from desk.services.media import media_link_token
from security.actors import client_ip

ResponseT = TypeVar("ResponseT", bound=HttpResponseBase)
# Per minute: new visitor tokens per address, uploads per visitor.
TOKENS_PER_MINUTE = 30
UPLOADS_PER_MINUTE = 20


def _json(data: Any, status: int = 200) -> JsonResponse:
    return JsonResponse(data, status=status, json_dumps_params={"ensure_ascii": False})


def _error(message: str, status: int, field: str | None = None) -> JsonResponse:
    return _json({"detail": message, "field": field}, status=status)


def _cors(response: ResponseT, request: HttpRequest, channel: Channel | None) -> ResponseT:
    response["Vary"] = "Origin"
    origin = request.headers.get("Origin")
    if channel is not None and origin and webchat_origin_allowed(channel, origin):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "GET, POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type, Last-Event-ID"
        response["Access-Control-Max-Age"] = "600"
    return response


def _refusal(request: HttpRequest, channel: Channel | None, *, need_origin: bool) -> str | None:
    """Why the call is refused before anything else, or None."""
    if channel is None:
        return "channel"
    origin = request.headers.get("Origin")
    if origin is None and not need_origin:
        return None
    if not webchat_origin_allowed(channel, origin):
        return "origin"
    return None


def _refused(request: HttpRequest, channel: Channel | None, reason: str) -> HttpResponse:
    if reason == "channel":
        return _error(_("Canal de atendimento não encontrado."), 404)
    return _cors(_error(_("Este site não está autorizado a usar o chat."), 403), request, channel)


def _over_limit(key: str, limit: int) -> bool:
    """A fixed one-minute window in the shared cache; fails open if the cache is down."""
    try:
        cache.add(key, 0, timeout=60)
        return int(cache.incr(key)) > limit
    except (ValueError, ConnectionError, OSError):
        return False


def _preflight(request: HttpRequest, channel: Channel | None) -> HttpResponse:
    return _cors(HttpResponse(status=204), request, channel)


WidgetView = Callable[[HttpRequest, Channel], HttpResponse]


def widget_endpoint(
    method: str, *, need_origin: bool
) -> Callable[[WidgetView], Callable[[HttpRequest, str], HttpResponse]]:
    """What every widget endpoint does first, in one place: find the channel by its key,
    answer the CORS preflight, refuse other methods, refuse unknown channels and unlisted
    origins (`need_origin`: a page must name itself), then call the view with the channel."""

    def decorate(view: WidgetView) -> Callable[[HttpRequest, str], HttpResponse]:
        @csrf_exempt
        @wraps(view)
        def wrapper(request: HttpRequest, channel_key: str) -> HttpResponse:
            channel = webchat_channel_get(channel_key)
            if request.method == "OPTIONS":
                return _preflight(request, channel)
            if request.method != method:
                return _error(_("Método não permitido."), 405)
            reason = _refusal(request, channel, need_origin=need_origin)
            if reason:
                return _refused(request, channel, reason)
            assert channel is not None
            return view(request, channel)

        return wrapper

    return decorate


@widget_endpoint("GET", need_origin=False)
def widget_config(request: HttpRequest, channel: Channel) -> HttpResponse:
    return _cors(
        _json(
            {
                "name": channel.name,
                "primary_color": channel.webchat_primary_color,
                "text_color": channel.webchat_text_color,
                "greeting": channel.webchat_greeting,
                "upload": upload_limits(),
            }
        ),
        request,
        channel,
    )


@widget_endpoint("POST", need_origin=True)
def visitor_token(request: HttpRequest, channel: Channel) -> HttpResponse:
    try:
        body = json.loads(request.body or b"{}")
    except ValueError:
        return _cors(_error(_("Conteúdo em formato inválido."), 400), request, channel)
    previous = body.get("token") if isinstance(body, dict) else None
    if not isinstance(previous, str) or not previous:
        previous = None
        if _over_limit(f"webchat:token:{channel.pk}:{client_ip(request)}", TOKENS_PER_MINUTE):
            return _cors(
                _error(_("Muitas conversas novas deste endereço. Tente em um minuto."), 429),
                request,
                channel,
            )
    session = visitor_session(channel, previous)
    return _cors(
        _json(
            {"visitor_id": session.visitor_id, "token": session.token, "renewed": session.renewed}
        ),
        request,
        channel,
    )


@csrf_exempt
def visitor_message(request: HttpRequest, channel_key: str) -> HttpResponse:
    """The widget's message goes through the public intake view itself (verify, store the raw
    event once, answer), which also answers the CORS preflight for the listed origins."""
    return webchat_webhook(request, account_id=channel_key)


@widget_endpoint("POST", need_origin=True)
def visitor_upload(request: HttpRequest, channel: Channel) -> HttpResponse:
    claims = visitor_claims(channel, bearer_token(request.headers))
    if claims is None:
        return _cors(_error(_("Sessão do visitante inválida ou expirada."), 401), request, channel)
    upload = request.FILES.get("file")
    if upload is None:
        return _cors(_error(_("Envie o arquivo no campo `file`."), 400, "file"), request, channel)
    if upload.size is not None and upload.size > MAX_UPLOAD_BYTES:
        return _cors(
            _error(
                _("Arquivo grande demais: o limite é %(limit)s MB.")
                % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
                413,
                "file",
            ),
            request,
            channel,
        )
    if _over_limit(f"webchat:upload:{channel.pk}:{claims.visitor_id}", UPLOADS_PER_MINUTE):
        return _cors(
            _error(_("Muitos arquivos em pouco tempo. Tente em um minuto."), 429), request, channel
        )
    try:
        stored = webchat_upload_store(
            content=upload.read(),
            mime_type=upload.content_type or "",
            filename=upload.name or "",
        )
    except UploadRefused as refused:
        return _cors(_error(refused.message, refused.status, refused.field), request, channel)
    return _cors(
        _json(
            {
                "upload_id": stored.upload_id,
                "mime_type": stored.mime_type,
                "size": stored.size,
                "filename": stored.filename,
                "sha256": stored.sha256,
            },
            status=201,
        ),
        request,
        channel,
    )


def _message_out(request: HttpRequest, message: Message) -> dict[str, Any]:
    attachment = None
    if message.media is not None:
        attachment = {
            "url": tenant_base_url(request)
            + reverse("desk:media_link", args=[media_link_token(message.media)]),
            "mime_type": message.media.mime_type,
            "filename": message.media.original_name,
        }
    return {
        "id": message.provider_message_id or f"m{message.pk}",
        "direction": message.direction,
        "kind": message.kind,
        "text": message.text,
        "attachment": attachment,
        "at": message.created_at.isoformat(),
    }


@widget_endpoint("GET", need_origin=False)
def visitor_conversation_view(request: HttpRequest, channel: Channel) -> HttpResponse:
    claims = visitor_claims(channel, bearer_token(request.headers) or request.GET.get("token"))
    if claims is None:
        return _cors(_error(_("Sessão do visitante inválida ou expirada."), 401), request, channel)
    conversation = visitor_conversation(channel, claims.visitor_id)
    data: dict[str, Any] = {"protocol": None, "status": None, "messages": []}
    if conversation is not None:
        data = {
            "protocol": conversation.protocol,
            "status": conversation.status,
            "messages": [_message_out(request, message) for message in conversation.messages],
        }
    return _cors(_json(data), request, channel)


def _visitor_stream_check(
    request: HttpRequest, channel_key: str
) -> tuple[HttpResponse | None, Channel | None, str]:
    channel = webchat_channel_get(channel_key)
    reason = _refusal(request, channel, need_origin=False)
    if reason:
        return _refused(request, channel, reason), channel, ""
    assert channel is not None
    claims = visitor_claims(channel, request.GET.get("token"))
    if claims is None:
        return (
            _cors(_error(_("Sessão do visitante inválida ou expirada."), 401), request, channel),
            channel,
            "",
        )
    return None, channel, claims.visitor_id


async def visitor_events(request: HttpRequest, channel_key: str) -> HttpResponseBase:
    if request.method != "GET":
        return _error(_("Método não permitido."), 405)
    refusal, channel, visitor_id = await sync_to_async(_visitor_stream_check)(request, channel_key)
    if refusal is not None:
        return refusal
    wanted = {"channel_key": channel_key, "visitor_id": visitor_id}

    def accept(event: Event) -> bool:
        audience = event.get("audience")
        return isinstance(audience, dict) and audience.get("webchat") == wanted

    def shape(event: Event) -> Event:
        return {key: event[key] for key in ("id", "type", "payload") if key in event}

    response = sse_response(
        event_stream(
            schema_name=request.tenant.schema_name,  # type: ignore[attr-defined]
            accept=accept,
            shape=shape,
            last_event_id=request_last_event_id(request),
        )
    )
    return _cors(response, request, channel)

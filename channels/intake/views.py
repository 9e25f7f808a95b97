"""Provider webhooks on the public host: verify, store the raw event, answer. Nothing else.

Each view reads the body (413 above `INTAKE_MAX_BODY_BYTES`), finds the channel in the public
routing table, verifies the request with that channel's secret (401/403, nothing stored),
computes the provider's idempotency key (400 when the body is not the provider's JSON), stores
the raw body with `INSERT ... ON CONFLICT DO NOTHING`, commits, and answers 200. The processing
task is queued once the row is committed; the sweeper (desk.tasks.inbox_sweep) re-queues any
event whose task was lost. Everything else happens in the worker, inside the tenant's schema.
"""

from __future__ import annotations

import json
import logging
from collections.abc import Callable
from functools import partial

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.utils.translation import gettext as _
from django.views.decorators.csrf import csrf_exempt

from channels.intake.models import RoutingEntry
from channels.intake.selectors import (
    routing_get,
    routing_get_by_secondary,
    routing_get_by_verify_token,
)
from channels.intake.services import inbox_store, rejection_record
from channels.providers.base import Provider
from channels.providers.errors import InvalidSignature, MalformedPayload, OriginNotAllowed
from channels.providers.registry import get_adapter
from channels.providers.telegram.credentials import TelegramCredentials
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.webchat.origins import origin_allowed
from channels.providers.whatsapp.adapter import WhatsAppAdapter
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from desk.queueing import inbox_queue
from security.actors import client_ip

logger = logging.getLogger("channels.intake")

# Kept with the raw body for support and re-verification. Never the Telegram secret header or
# the WebChat bearer token: those are credentials.
KEPT_HEADERS = ("Content-Type", "User-Agent", "X-Hub-Signature-256", "Origin", "X-Request-ID")


class Rejection(Exception):
    def __init__(self, status: int, reason: str, detail: str, account_id: str = "") -> None:
        super().__init__(reason)
        self.status = status
        self.reason = reason
        self.detail = detail
        self.account_id = account_id


def _read_body(request: HttpRequest) -> bytes:
    limit = int(settings.INTAKE_MAX_BODY_BYTES)
    too_large = Rejection(413, "too_large", _("Conteúdo maior que o limite aceito."))
    try:
        declared = int(request.META.get("CONTENT_LENGTH") or 0)
    except ValueError:
        declared = 0
    if declared > limit:
        raise too_large
    body = request.body
    if len(body) > limit:
        raise too_large
    return body


def _reject(request: HttpRequest, provider: str, rejection: Rejection) -> JsonResponse:
    ip = client_ip(request)
    rejection_record(
        provider=provider, account_id=rejection.account_id, reason=rejection.reason, remote_ip=ip
    )
    logger.warning(
        "webhook rejected",
        extra={
            "provider": provider,
            "reason": rejection.reason,
            "account_id": rejection.account_id,
            "remote_ip": ip,
            "status": rejection.status,
        },
    )
    return JsonResponse({"detail": rejection.detail}, status=rejection.status)


def _store(
    request: HttpRequest, *, provider: str, entry: RoutingEntry, body: bytes, event_key: str
) -> bool:
    """Stores one event inside the caller's transaction; True when it was new."""
    headers = {name: value for name in KEPT_HEADERS if (value := request.headers.get(name))}
    event_id = inbox_store(
        provider=provider,
        event_key=event_key,
        tenant_id=entry.tenant_id,
        channel_id=entry.channel_id,
        account_id=entry.account_id,
        body=body,
        headers=headers,
        remote_ip=client_ip(request),
    )
    if event_id is None:
        return False
    transaction.on_commit(partial(inbox_queue, event_id, entry.tenant.schema_name))
    return True


def _verified(entry: RoutingEntry, verify: Callable[[RoutingEntry], None]) -> RoutingEntry:
    """Verifies against the (possibly cached) entry; on failure, once more against a fresh
    read, so a secret or origin list changed seconds ago never refuses a genuine request.
    Raises the adapter's `InvalidSignature` when both fail."""
    try:
        verify(entry)
        return entry
    except InvalidSignature:
        fresh = routing_get(provider=entry.provider, account_id=entry.account_id, fresh=True)
        unchanged = fresh is None or (
            fresh.verification_secret == entry.verification_secret
            and fresh.allowed_origins == entry.allowed_origins
            and fresh.channel_id == entry.channel_id
        )
        if unchanged:
            raise
        assert fresh is not None
        verify(fresh)
        return fresh


def _accepted(new: bool) -> JsonResponse:
    return JsonResponse({"status": "ok" if new else "duplicate"})


# --- WhatsApp Cloud API ------------------------------------------------------------------------


def _whatsapp_credentials(entry: RoutingEntry) -> WhatsAppCredentials:
    return WhatsAppCredentials(
        phone_number_id=entry.account_id,
        business_account_id=entry.secondary_account_id,
        access_token="",
        app_secret=entry.verification_secret,
        verify_token=entry.verify_token,
    )


def _waba_ids(body: bytes) -> list[str]:
    """Business account ids of a body that names no phone number (account-level events)."""
    try:
        payload = json.loads(body)
    except ValueError:
        return []
    entries = payload.get("entry") if isinstance(payload, dict) else None
    if not isinstance(entries, list):
        return []
    return [str(item["id"]) for item in entries if isinstance(item, dict) and item.get("id")]


def _whatsapp_handshake(request: HttpRequest) -> HttpResponse:
    provider = Provider.WHATSAPP.value
    entry = routing_get_by_verify_token(
        provider=provider, verify_token=request.GET.get("hub.verify_token", "")
    )
    try:
        if entry is None:
            raise Rejection(403, "handshake", _("Token de verificação inválido."))
        adapter = WhatsAppAdapter()
        try:
            challenge = adapter.verify_subscription(request.GET, _whatsapp_credentials(entry))
        except InvalidSignature as error:
            raise Rejection(
                403, "handshake", _("Token de verificação inválido."), entry.account_id
            ) from error
        except MalformedPayload as error:
            raise Rejection(
                400, "malformed", _("Parâmetro hub.challenge ausente."), entry.account_id
            ) from error
    except Rejection as rejection:
        return _reject(request, provider, rejection)
    return HttpResponse(challenge, content_type="text/plain")


@csrf_exempt
def whatsapp_webhook(request: HttpRequest) -> HttpResponse:
    if request.method == "GET":
        return _whatsapp_handshake(request)
    if request.method != "POST":
        return JsonResponse({"detail": _("Método não permitido.")}, status=405)
    provider = Provider.WHATSAPP.value
    adapter = get_adapter(provider)
    try:
        body = _read_body(request)
        try:
            account_ids = adapter.account_ids(body)
        except MalformedPayload as error:
            raise Rejection(400, "malformed", _("Conteúdo em formato inválido.")) from error
        entries: list[RoutingEntry] = []
        for account_id in account_ids:
            entry = routing_get(provider=provider, account_id=account_id)
            if entry is None:
                # Counted without the id: unknown ids are the caller's to choose, and a counter
                # per arbitrary id would grow without bound.
                rejection_record(
                    provider=provider,
                    account_id="",
                    reason="unknown_account",
                    remote_ip=client_ip(request),
                )
                continue
            entries.append(entry)
        if not account_ids:
            entry = routing_get_by_secondary(provider=provider, secondary_ids=_waba_ids(body))
            if entry is not None:
                entries.append(entry)
        if not entries:
            raise Rejection(404, "unknown_account", _("Conta do provedor não cadastrada."))
        for index, entry in enumerate(entries):
            try:
                entries[index] = _verified(
                    entry,
                    lambda candidate: adapter.verify(
                        request.headers, body, _whatsapp_credentials(candidate)
                    ),
                )
            except InvalidSignature as error:
                raise Rejection(
                    401, "bad_signature", _("Assinatura inválida."), entry.account_id
                ) from error
        event_key = adapter.event_key(body)
    except Rejection as rejection:
        return _reject(request, provider, rejection)
    new = False
    with transaction.atomic():
        for entry in entries:
            # One body may address numbers of different tenants: one event for each, and each
            # processor keeps only its own number's messages.
            key = event_key if len(entries) == 1 else f"{event_key}@{entry.account_id}"
            new = _store(request, provider=provider, entry=entry, body=body, event_key=key) or new
    return _accepted(new)


# --- Telegram ----------------------------------------------------------------------------------


@csrf_exempt
def telegram_webhook(request: HttpRequest, account_id: str) -> HttpResponse:
    if request.method != "POST":
        return JsonResponse({"detail": _("Método não permitido.")}, status=405)
    provider = Provider.TELEGRAM.value
    adapter = get_adapter(provider)
    try:
        body = _read_body(request)
        entry = routing_get(provider=provider, account_id=account_id)
        if entry is None:
            raise Rejection(404, "unknown_account", _("Canal não cadastrado."))
        try:
            entry = _verified(
                entry,
                lambda candidate: adapter.verify(
                    request.headers,
                    body,
                    TelegramCredentials(bot_token="", secret_token=candidate.verification_secret),
                ),
            )
        except InvalidSignature as error:
            raise Rejection(
                403, "bad_signature", _("Token secreto inválido."), account_id
            ) from error
        try:
            event_key = adapter.event_key(body, account_id=account_id)
        except MalformedPayload as error:
            raise Rejection(
                400, "malformed", _("Conteúdo em formato inválido."), account_id
            ) from error
    except Rejection as rejection:
        return _reject(request, provider, rejection)
    with transaction.atomic():
        new = _store(request, provider=provider, entry=entry, body=body, event_key=event_key)
    return _accepted(new)


# --- WebChat -----------------------------------------------------------------------------------


def _cors(response: HttpResponse, origin: str | None, entry: RoutingEntry | None) -> HttpResponse:
    """The widget runs on the municipality's own site: answer its origin, and only that."""
    response["Vary"] = "Origin"
    if entry is not None and origin and origin_allowed(origin, entry.allowed_origins):
        response["Access-Control-Allow-Origin"] = origin
        response["Access-Control-Allow-Methods"] = "POST, OPTIONS"
        response["Access-Control-Allow-Headers"] = "Authorization, Content-Type"
        response["Access-Control-Max-Age"] = "600"
    return response


@csrf_exempt
def webchat_webhook(request: HttpRequest, account_id: str) -> HttpResponse:
    provider = Provider.WEBCHAT.value
    origin = request.headers.get("Origin")
    entry = routing_get(provider=provider, account_id=account_id)
    if request.method == "OPTIONS":
        return _cors(HttpResponse(status=204), origin, entry)
    if request.method != "POST":
        return JsonResponse({"detail": _("Método não permitido.")}, status=405)
    adapter = get_adapter(provider)
    try:
        body = _read_body(request)
        if entry is None:
            raise Rejection(404, "unknown_account", _("Canal não cadastrado."))
        try:
            entry = _verified(
                entry,
                lambda candidate: adapter.verify(
                    request.headers,
                    body,
                    WebChatCredentials(
                        channel_key=candidate.account_id,
                        signing_key=candidate.verification_secret,
                        allowed_origins=tuple(candidate.allowed_origins),
                    ),
                ),
            )
            event_key = adapter.event_key(body, account_id=account_id)
        except OriginNotAllowed as error:
            raise Rejection(403, "origin", _("Origem não autorizada."), account_id) from error
        except InvalidSignature as error:
            raise Rejection(
                401, "bad_signature", _("Sessão do visitante inválida ou expirada."), account_id
            ) from error
        except MalformedPayload as error:
            raise Rejection(
                400, "malformed", _("Conteúdo em formato inválido."), account_id
            ) from error
    except Rejection as rejection:
        return _cors(_reject(request, provider, rejection), origin, entry)
    with transaction.atomic():
        new = _store(request, provider=provider, entry=entry, body=body, event_key=event_key)
    return _cors(_accepted(new), origin, entry)

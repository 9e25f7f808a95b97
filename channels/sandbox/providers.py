"""The provider APIs a sandbox channel calls, answered like Meta's Graph API and Telegram's Bot
API answer them.

Each request is answered by the simulator class the adapter tests use (validation, auth, success
and error bodies are theirs), built for the one channel the request names, with that channel's
real credentials: a wrong token gets the provider's 401 here too. The classes are given Redis in
place of their in-memory state, so every web process answers alike. Only channels in sandbox
mode are served; a live channel's account is unknown here.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
import secrets
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django_tenants.utils import schema_context

from channels.credentials import provider_credentials
from channels.intake.selectors import routing_get
from channels.models import Channel, ChannelMode, ChannelType
from channels.providers.simulation import RecordedRequest, SimulatedResponse
from channels.providers.telegram.credentials import TelegramCredentials
from channels.providers.telegram.simulator import StoredFile, TelegramSimulator, bot_error
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.simulator import (
    StoredMedia,
    WhatsAppSimulator,
    build_status,
    graph_error,
)
from channels.sandbox import state
from channels.sandbox.courier import courier

WHATSAPP = ChannelType.WHATSAPP.value
TELEGRAM = ChannelType.TELEGRAM.value
_GRAPH_MESSAGES = re.compile(r"^/v\d+\.\d+/([^/]+)/messages$")
_GRAPH_OBJECT = re.compile(r"^/v\d+\.\d+/([^/]+)$")
_GRAPH_DOWNLOAD = re.compile(r"^/media-download/([^/]+)$")
_BOT_METHOD = re.compile(r"^/bot(\d+):([^/]+)/([A-Za-z]+)$")
_BOT_FILE = re.compile(r"^/file/bot(\d+):([^/]+)/(.+)$")
# Statuses the simulated WhatsApp reports after accepting a message, in this order.
STATUS_SEQUENCE = ("sent", "delivered", "read")


@dataclass(frozen=True)
class SandboxAccount:
    schema_name: str
    channel_id: int
    channel_name: str
    credentials: WhatsAppCredentials | TelegramCredentials


def sandbox_account(provider: str, account_id: str) -> SandboxAccount | None:
    """The sandbox channel behind a provider account, with its credentials (None if there is
    none, or if the channel is live)."""
    entry = routing_get(provider=provider, account_id=account_id)
    if entry is None:
        return None
    schema_name = entry.tenant.schema_name
    with schema_context(schema_name):
        channel = Channel.objects.filter(
            pk=entry.channel_id, mode=ChannelMode.SANDBOX, type=provider
        ).first()
        if channel is None:
            return None
        credentials = provider_credentials(channel)
    assert isinstance(credentials, WhatsAppCredentials | TelegramCredentials)
    return SandboxAccount(
        schema_name=schema_name,
        channel_id=channel.pk,
        channel_name=channel.name,
        credentials=credentials,
    )


def status_delays() -> tuple[float, ...]:
    return tuple(
        float(value) for value in getattr(settings, "SANDBOX_STATUS_DELAYS", (1.0, 2.0, 4.0))
    )


def public_webhook_url(path: str) -> str:
    return f"{str(settings.CHANNELS_WEBHOOK_BASE_URL).rstrip('/')}{path}"


# --- WhatsApp ----------------------------------------------------------------------------------


class _WhatsAppFiles:
    """The `_media` mapping of WhatsAppSimulator, kept in Redis and scoped to one number."""

    def __init__(self, account_id: str) -> None:
        self.account_id = account_id

    def get(self, media_id: str) -> StoredMedia | None:
        stored = state.file_get(WHATSAPP, media_id)
        if stored is None or stored.account_id != self.account_id:
            return None
        return StoredMedia(content=stored.content, mime_type=stored.mime_type)

    def __setitem__(self, media_id: str, media: StoredMedia) -> None:
        state.file_put(
            provider=WHATSAPP,
            account_id=self.account_id,
            content=media.content,
            mime_type=media.mime_type,
            file_id=media_id,
        )


class SandboxWhatsApp(WhatsAppSimulator):
    def __init__(self, credentials: WhatsAppCredentials, base_url: str) -> None:
        super().__init__(
            phone_number_id=credentials.phone_number_id,
            business_account_id=credentials.business_account_id,
            access_token=credentials.access_token,
            app_secret=credentials.app_secret,
            verify_token=credentials.verify_token,
            api_version=credentials.api_version,
        )
        self._sandbox_base_url = base_url.rstrip("/")
        self._media = _WhatsAppFiles(credentials.phone_number_id)  # type: ignore[assignment]

    @property
    def base_url(self) -> str:
        return self._sandbox_base_url

    def _take_failure(self) -> SimulatedResponse | None:
        mode = state.failure_take(WHATSAPP, self.phone_number_id)
        if mode is None or mode not in self.failure_modes:
            return None
        return self.failure_modes[mode]()


def _whatsapp_account_id(request: RecordedRequest) -> str | None:
    messages = _GRAPH_MESSAGES.match(request.path)
    if messages:
        return messages.group(1)
    media = _GRAPH_DOWNLOAD.match(request.path) or _GRAPH_OBJECT.match(request.path)
    if media:
        stored = state.file_get(WHATSAPP, media.group(1))
        return stored.account_id if stored else None
    return None


def _sent_entry(body: dict[str, Any]) -> dict[str, Any]:
    kind = str(body.get("type", "text"))
    found = body.get(kind)
    content: dict[str, Any] = found if isinstance(found, dict) else {}
    entry: dict[str, Any] = {"direction": "out", "kind": kind}
    if kind == "text":
        entry["text"] = content.get("body", "")
    elif kind == "template":
        entry["text"] = f"[{content.get('name', '')}]"
        entry["template"] = content.get("name", "")
    else:
        entry["text"] = content.get("caption") or content.get("filename") or ""
        entry["media_url"] = content.get("link", "")
    return entry


def _schedule_statuses(account: SandboxAccount, message_id: str, recipient: str) -> None:
    credentials = account.credentials
    assert isinstance(credentials, WhatsAppCredentials)
    url = public_webhook_url("/webhooks/whatsapp")
    for status, delay in zip(STATUS_SEQUENCE, status_delays(), strict=False):
        delivery = build_status(
            credentials, message_id=message_id, status=status, recipient_id=recipient
        )

        def done(http_status: int | None, status: str = status) -> None:
            state.transcript_append(
                account.schema_name,
                account.channel_id,
                recipient,
                {"type": "status", "id": message_id, "status": status, "http_status": http_status},
            )

        courier.schedule(delay, url, delivery.body, delivery.headers, done)


def whatsapp_dispatch(request: RecordedRequest, base_url: str) -> SimulatedResponse:
    account_id = _whatsapp_account_id(request)
    account = sandbox_account(WHATSAPP, account_id) if account_id else None
    if account is None:
        return graph_error(
            400,
            code=100,
            subcode=33,
            error_type="GraphMethodException",
            message=f"Unsupported request. Object with ID '{account_id or ''}' does not exist.",
        )
    credentials = account.credentials
    assert isinstance(credentials, WhatsAppCredentials)
    simulator = SandboxWhatsApp(credentials, base_url)
    response = simulator.handle(request)
    for body in simulator.sent:
        answer = json.loads(response.body)
        message_id = str(answer["messages"][0]["id"])
        recipient = str(answer["contacts"][0]["wa_id"])
        state.transcript_append(
            account.schema_name,
            account.channel_id,
            recipient,
            {**_sent_entry(body), "id": message_id},
        )
        _schedule_statuses(account, message_id, recipient)
    return response


# --- Telegram ----------------------------------------------------------------------------------


class _TelegramFiles:
    """The `_files` mapping of TelegramSimulator, kept in Redis and scoped to one bot."""

    def __init__(self, bot_id: str) -> None:
        self.bot_id = bot_id

    @staticmethod
    def _unique_id(file_id: str) -> str:
        return "AgAD" + hashlib.sha256(file_id.encode()).hexdigest()[:12]

    def get(self, file_id: str) -> StoredFile | None:
        stored = state.file_get(TELEGRAM, file_id)
        if stored is None or stored.account_id != self.bot_id:
            return None
        return StoredFile(
            content=stored.content,
            file_path=stored.file_path,
            file_unique_id=self._unique_id(file_id),
        )

    def __getitem__(self, file_id: str) -> StoredFile:
        stored = self.get(file_id)
        if stored is None:
            raise KeyError(file_id)
        return stored

    def __contains__(self, file_id: object) -> bool:
        return isinstance(file_id, str) and self.get(file_id) is not None

    def __setitem__(self, file_id: str, stored: StoredFile) -> None:
        state.file_put(
            provider=TELEGRAM,
            account_id=self.bot_id,
            content=stored.content,
            mime_type="application/octet-stream",
            file_id=file_id,
            file_path=stored.file_path,
        )

    def __len__(self) -> int:
        return 0


class SandboxTelegram(TelegramSimulator):
    def __init__(self, bot_token: str, secret_token: str) -> None:
        super().__init__(bot_token=bot_token, secret_token=secret_token)
        self._files = _TelegramFiles(str(self.bot_id))  # type: ignore[assignment]

    def add_file(self, content: bytes, file_path: str) -> str:
        # The parent numbers paths by how many files it holds; Redis holds every bot's files.
        return super().add_file(content, f"{file_path}-{secrets.token_hex(6)}")

    def _message(self, chat: Any, **content: Any) -> dict[str, Any]:
        message = super()._message(chat, **content)
        message["message_id"] = state.counter_next(f"telegram:{self.bot_id}:message")
        return message

    def _serve_file(self, file_path: str) -> SimulatedResponse:
        stored = state.file_get_by_path(TELEGRAM, str(self.bot_id), file_path)
        if stored is None:
            return bot_error(404, "Not Found")
        return SimulatedResponse(
            status=200, body=stored.content, content_type="application/octet-stream"
        )

    def _take_failure(self) -> SimulatedResponse | None:
        mode = state.failure_take(TELEGRAM, str(self.bot_id))
        if mode is None or mode not in self.failure_modes:
            return None
        return self.failure_modes[mode]()

    def _set_webhook(self, params: Any) -> SimulatedResponse:
        """Telegram wants HTTPS; the simulator also accepts the platform's own address, which
        in development is plain HTTP on localhost (it never leaves the machine)."""
        url = str(params.get("url") or "")
        own = str(settings.CHANNELS_WEBHOOK_BASE_URL).rstrip("/")
        checked = dict(params)
        if url.startswith("http://") and url.startswith(own + "/"):
            checked["url"] = "https://" + url.removeprefix("http://")
        response = super()._set_webhook(checked)
        if response.status == 200:
            self.webhook = dict(params)
            state.webhook_set(
                TELEGRAM,
                str(self.bot_id),
                {
                    "url": url,
                    "secret_token": str(params.get("secret_token") or ""),
                },
            )
        return response


def _telegram_sent_entry(method: str, params: dict[str, Any]) -> dict[str, Any]:
    kinds = {
        "sendPhoto": "image",
        "sendDocument": "document",
        "sendAudio": "audio",
        "sendVideo": "video",
        "sendSticker": "sticker",
    }
    if method == "sendMessage":
        return {"direction": "out", "kind": "text", "text": str(params.get("text", ""))}
    field = {"image": "photo"}.get(kinds.get(method, ""), kinds.get(method, ""))
    reference = str(params.get(field, ""))
    return {
        "direction": "out",
        "kind": kinds.get(method, method),
        "text": str(params.get("caption") or ""),
        "media_url": reference if reference.startswith(("http://", "https://")) else "",
    }


def telegram_dispatch(request: RecordedRequest, base_url: str) -> SimulatedResponse:
    match = _BOT_METHOD.match(request.path) or _BOT_FILE.match(request.path)
    if match is None:
        return bot_error(404, "Not Found")
    bot_id, token_rest, method = match.group(1), match.group(2), match.group(3)
    bot_token = f"{bot_id}:{token_rest}"
    account = sandbox_account(TELEGRAM, bot_id)
    if account is None:
        # A channel being created calls setWebhook before it is saved: the simulated Telegram
        # knows any bot then, and nothing else.
        if method not in ("setWebhook", "getMe") or _BOT_FILE.match(request.path):
            return bot_error(401, "Unauthorized")
        return SandboxTelegram(bot_token, secret_token="").handle(request)
    credentials = account.credentials
    assert isinstance(credentials, TelegramCredentials)
    if not hmac.compare_digest(credentials.bot_token.encode(), bot_token.encode()):
        return bot_error(401, "Unauthorized")
    simulator = SandboxTelegram(credentials.bot_token, credentials.secret_token)
    response = simulator.handle(request)
    if response.status == 200:
        answer = json.loads(response.body) if response.content_type == "application/json" else {}
        for sent_method, params in simulator.sent:
            chat_id = str(params.get("chat_id", ""))
            result = answer.get("result") if isinstance(answer, dict) else None
            message_id = result.get("message_id") if isinstance(result, dict) else None
            state.transcript_append(
                account.schema_name,
                account.channel_id,
                chat_id,
                {
                    **_telegram_sent_entry(sent_method, dict(params)),
                    "id": f"{chat_id}:{message_id}",
                    "status": "sent",
                },
            )
    return response


def dispatch(provider: str, request: RecordedRequest, base_url: str) -> SimulatedResponse:
    if provider == WHATSAPP:
        return whatsapp_dispatch(request, base_url)
    if provider == TELEGRAM:
        return telegram_dispatch(request, base_url)
    return SimulatedResponse.json(404, {"detail": "unknown provider"})

"""A local stand-in for the Telegram Bot API, and builders of Telegram webhook updates.

`TelegramSimulator` serves `POST /bot<token>/<method>` for the methods the adapter uses
(`getMe`, `sendMessage`, `sendPhoto`, `sendDocument`, `sendAudio`, `sendVideo`, `sendSticker`,
`getFile`, `setWebhook`, `answerCallbackQuery`) and `GET /file/bot<token>/<file_path>`. A wrong
token gets Telegram's `401 Unauthorized`, a bad request Telegram's `400 Bad Request: ...`
descriptions, and success the real `{"ok": true, "result": ...}` shapes.

`fail_next(mode, times)` modes: `rate_limited` (429 with `parameters.retry_after`), `auth`
(401), `chat_not_found` (400), `blocked` (403 bot blocked by the user), `server_error` (500).

The `build_update_*` functions produce update bodies with the secret-token header, so tests and
the product's simulator page drive the real intake.
"""

from __future__ import annotations

import itertools
import json
import re
import secrets
import threading
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any, ClassVar
from urllib.parse import parse_qs

from channels.providers.base import WebhookDelivery
from channels.providers.simulation import RecordedRequest, SimulatedResponse, SimulatorServer
from channels.providers.telegram.adapter import SECRET_HEADER
from channels.providers.telegram.credentials import TelegramCredentials

_METHOD_PATH = re.compile(r"^/bot([^/]+)/([A-Za-z]+)$")
_FILE_PATH = re.compile(r"^/file/bot([^/]+)/(.+)$")
_SECRET_TOKEN = re.compile(r"^[A-Za-z0-9_-]{1,256}$")
_MEDIA_FIELDS = {
    "sendPhoto": "photo",
    "sendDocument": "document",
    "sendAudio": "audio",
    "sendVideo": "video",
    "sendSticker": "sticker",
}
RETRY_AFTER_SECONDS = 5


def bot_error(
    status: int, description: str, parameters: Mapping[str, Any] | None = None
) -> SimulatedResponse:
    payload: dict[str, Any] = {"ok": False, "error_code": status, "description": description}
    if parameters:
        payload["parameters"] = dict(parameters)
    return SimulatedResponse.json(status, payload)


def _ok(result: object, description: str | None = None) -> SimulatedResponse:
    payload: dict[str, Any] = {"ok": True, "result": result}
    if description:
        payload["description"] = description
    return SimulatedResponse.json(200, payload)


@dataclass(frozen=True)
class StoredFile:
    content: bytes
    file_path: str
    file_unique_id: str


class TelegramSimulator(SimulatorServer):
    failure_modes: ClassVar[Mapping[str, Any]] = {
        "rate_limited": lambda: bot_error(
            429,
            f"Too Many Requests: retry after {RETRY_AFTER_SECONDS}",
            {"retry_after": RETRY_AFTER_SECONDS},
        ),
        "auth": lambda: bot_error(401, "Unauthorized"),
        "chat_not_found": lambda: bot_error(400, "Bad Request: chat not found"),
        "blocked": lambda: bot_error(403, "Forbidden: bot was blocked by the user"),
        "server_error": lambda: bot_error(500, "Internal Server Error"),
    }

    def __init__(
        self,
        *,
        bot_token: str | None = None,
        secret_token: str | None = None,
        bot_username: str = "prefeitura_sim_bot",
        known_chats: set[str] | None = None,
    ) -> None:
        super().__init__()
        # Fresh secrets per simulator: nothing reusable is baked into the code.
        self.bot_token = bot_token or f"7000000001:{secrets.token_urlsafe(26)}"
        self.secret_token = secret_token or secrets.token_urlsafe(24)
        self.bot_username = bot_username
        # None accepts any chat; a set makes every other chat "chat not found".
        self.known_chats = known_chats
        self.sent: list[tuple[str, dict[str, Any]]] = []  # (method, params) accepted
        self.webhook: dict[str, Any] | None = None
        self.answered_callbacks: list[str] = []
        self._files: dict[str, StoredFile] = {}
        self._message_ids = itertools.count(1001)
        self._counter_lock = threading.Lock()

    @property
    def credentials(self) -> TelegramCredentials:
        return TelegramCredentials(
            bot_token=self.bot_token, secret_token=self.secret_token, api_base_url=self.base_url
        )

    @property
    def bot_id(self) -> int:
        return int(self.bot_token.split(":", 1)[0])

    def add_file(self, content: bytes, file_path: str) -> str:
        """Hold a file as if a citizen had sent it; returns its file_id."""
        file_id = "BQACAgEAAxkBAAI" + secrets.token_urlsafe(24)
        self._files[file_id] = StoredFile(
            content=content, file_path=file_path, file_unique_id="AgAD" + secrets.token_urlsafe(8)
        )
        return file_id

    # -- request handling -------------------------------------------------------------------
    def handle(self, request: RecordedRequest) -> SimulatedResponse:
        file_match = _FILE_PATH.match(request.path)
        if file_match and request.method == "GET":
            if file_match.group(1) != self.bot_token:
                return bot_error(401, "Unauthorized")
            return self._serve_file(file_match.group(2))
        method_match = _METHOD_PATH.match(request.path)
        if method_match is None:
            return bot_error(404, "Not Found")
        if method_match.group(1) != self.bot_token:
            return bot_error(401, "Unauthorized")
        failure = self._take_failure()
        if failure is not None:
            return failure
        method = method_match.group(2)
        params = _params(request)
        if params is None:
            return bot_error(400, "Bad Request: can't parse JSON object")
        handler = {
            "getMe": self._get_me,
            "sendMessage": self._send_message,
            "getFile": self._get_file,
            "setWebhook": self._set_webhook,
            "answerCallbackQuery": self._answer_callback,
        }.get(method)
        if handler is not None:
            return handler(params)
        if method in _MEDIA_FIELDS:
            return self._send_media(method, params)
        return bot_error(404, "Not Found")

    def _bot_user(self) -> dict[str, Any]:
        return {
            "id": self.bot_id,
            "is_bot": True,
            "first_name": "Prefeitura (simulador)",
            "username": self.bot_username,
        }

    def _get_me(self, params: Mapping[str, Any]) -> SimulatedResponse:
        return _ok(self._bot_user())

    def _chat(self, params: Mapping[str, Any]) -> dict[str, Any] | SimulatedResponse:
        chat_id = params.get("chat_id")
        if chat_id in (None, ""):
            return bot_error(400, "Bad Request: chat_id is empty")
        if self.known_chats is not None and str(chat_id) not in self.known_chats:
            return bot_error(400, "Bad Request: chat not found")
        try:
            numeric = int(str(chat_id))
        except ValueError:
            return {"id": str(chat_id), "type": "channel", "title": str(chat_id)}
        return {"id": numeric, "type": "private", "first_name": "Cidadão"}

    def _message(self, chat: Mapping[str, Any], **content: Any) -> dict[str, Any]:
        with self._counter_lock:
            message_id = next(self._message_ids)
        return {
            "message_id": message_id,
            "from": self._bot_user(),
            "chat": dict(chat),
            "date": int(time.time()),
            **content,
        }

    def _send_message(self, params: Mapping[str, Any]) -> SimulatedResponse:
        chat = self._chat(params)
        if isinstance(chat, SimulatedResponse):
            return chat
        text = params.get("text")
        if not text:
            return bot_error(400, "Bad Request: message text is empty")
        if len(str(text)) > 4096:
            return bot_error(400, "Bad Request: message is too long")
        self.sent.append(("sendMessage", dict(params)))
        return _ok(self._message(chat, text=str(text)))

    def _send_media(self, method: str, params: Mapping[str, Any]) -> SimulatedResponse:
        chat = self._chat(params)
        if isinstance(chat, SimulatedResponse):
            return chat
        field = _MEDIA_FIELDS[method]
        reference = params.get(field)
        if not reference:
            return bot_error(400, f"Bad Request: there is no {field} in the request")
        reference = str(reference)
        is_url = reference.startswith(("http://", "https://"))
        if not is_url and reference not in self._files:
            return bot_error(400, "Bad Request: wrong file identifier/HTTP URL specified")
        caption = params.get("caption")
        if caption is not None and len(str(caption)) > 1024:
            return bot_error(400, "Bad Request: message caption is too long")
        file_id = (
            reference if not is_url else self.add_file(b"", f"{field}s/file_{len(self._files)}")
        )
        stored = self._files[file_id]
        file_object = {
            "file_id": file_id,
            "file_unique_id": stored.file_unique_id,
            "file_size": len(stored.content),
        }
        content: dict[str, Any]
        if field == "photo":
            content = {"photo": [{**file_object, "width": 1280, "height": 960}]}
        else:
            content = {field: file_object}
        if caption:
            content["caption"] = str(caption)
        self.sent.append((method, dict(params)))
        return _ok(self._message(chat, **content))

    def _get_file(self, params: Mapping[str, Any]) -> SimulatedResponse:
        file_id = str(params.get("file_id") or "")
        stored = self._files.get(file_id)
        if stored is None:
            return bot_error(400, "Bad Request: invalid file_id")
        return _ok(
            {
                "file_id": file_id,
                "file_unique_id": stored.file_unique_id,
                "file_size": len(stored.content),
                "file_path": stored.file_path,
            }
        )

    def _serve_file(self, file_path: str) -> SimulatedResponse:
        for stored in self._files.values():
            if stored.file_path == file_path:
                return SimulatedResponse(
                    status=200, body=stored.content, content_type="application/octet-stream"
                )
        return bot_error(404, "Not Found")

    def _set_webhook(self, params: Mapping[str, Any]) -> SimulatedResponse:
        url = str(params.get("url") or "")
        if not url.startswith("https://"):
            return bot_error(
                400, "Bad Request: bad webhook: An HTTPS URL must be provided for webhook"
            )
        secret = params.get("secret_token")
        if secret is not None and not _SECRET_TOKEN.match(str(secret)):
            return bot_error(400, "Bad Request: secret token contains unallowed characters")
        allowed = params.get("allowed_updates")
        if allowed is not None and not isinstance(allowed, list):
            return bot_error(400, "Bad Request: can't parse allowed updates")
        self.webhook = dict(params)
        return _ok(True, "Webhook was set")

    def _answer_callback(self, params: Mapping[str, Any]) -> SimulatedResponse:
        callback_id = params.get("callback_query_id")
        if not callback_id:
            return bot_error(
                400,
                "Bad Request: query is too old and response timeout expired or query ID is invalid",
            )
        self.answered_callbacks.append(str(callback_id))
        return _ok(True)

    # -- webhooks from this simulated bot ---------------------------------------------------
    def update_text(self, text: str, **kwargs: Any) -> WebhookDelivery:
        return build_update_text(self.credentials, text=text, **kwargs)


def _params(request: RecordedRequest) -> dict[str, Any] | None:
    """Bot API methods take query string, form or JSON parameters; merge them like Telegram."""
    params: dict[str, Any] = {key: values[-1] for key, values in request.query.items()}
    if not request.body:
        return params
    content_type = (request.header("Content-Type") or "").lower()
    if content_type.startswith("application/json"):
        decoded = request.json
        if not isinstance(decoded, dict):
            return None
        params.update(decoded)
    else:
        form = parse_qs(request.body.decode(errors="replace"))
        params.update({key: values[-1] for key, values in form.items()})
    return params


# --- webhook builders --------------------------------------------------------------------------

_update_ids = itertools.count(int(time.time()) % 100_000 * 1000)
_update_lock = threading.Lock()


def next_update_id() -> int:
    with _update_lock:
        return next(_update_ids)


def build_update(credentials: TelegramCredentials, update: Mapping[str, Any]) -> WebhookDelivery:
    body = json.dumps(update, separators=(",", ":"), ensure_ascii=False).encode()
    return WebhookDelivery(
        body=body,
        headers={"Content-Type": "application/json", SECRET_HEADER: credentials.secret_token},
    )


def _person(user_id: int, first_name: str, last_name: str | None) -> dict[str, Any]:
    person: dict[str, Any] = {"id": user_id, "is_bot": False, "first_name": first_name}
    if last_name:
        person["last_name"] = last_name
    person["language_code"] = "pt-br"
    return person


def _private_chat(chat_id: int, first_name: str, last_name: str | None) -> dict[str, Any]:
    chat: dict[str, Any] = {"id": chat_id, "first_name": first_name}
    if last_name:
        chat["last_name"] = last_name
    chat["type"] = "private"
    return chat


def build_update_message(
    credentials: TelegramCredentials,
    *,
    content: Mapping[str, Any],
    chat_id: int = 5511987654,
    first_name: str = "Maria",
    last_name: str | None = "da Silva",
    update_id: int | None = None,
    message_id: int = 1,
    date: int | None = None,
) -> WebhookDelivery:
    message = {
        "message_id": message_id,
        "from": _person(chat_id, first_name, last_name),
        "chat": _private_chat(chat_id, first_name, last_name),
        "date": date if date is not None else int(time.time()),
        **content,
    }
    return build_update(
        credentials,
        {"update_id": update_id if update_id is not None else next_update_id(), "message": message},
    )


def build_update_text(
    credentials: TelegramCredentials, *, text: str, **kwargs: Any
) -> WebhookDelivery:
    return build_update_message(credentials, content={"text": text}, **kwargs)


def build_update_photo(
    credentials: TelegramCredentials, *, file_id: str, caption: str | None = None, **kwargs: Any
) -> WebhookDelivery:
    content: dict[str, Any] = {
        "photo": [
            {
                "file_id": file_id + "-small",
                "file_unique_id": "AQADs",
                "file_size": 1200,
                "width": 90,
                "height": 67,
            },
            {
                "file_id": file_id,
                "file_unique_id": "AQADl",
                "file_size": 48000,
                "width": 1280,
                "height": 960,
            },
        ]
    }
    if caption is not None:
        content["caption"] = caption
    return build_update_message(credentials, content=content, **kwargs)


def build_update_callback(
    credentials: TelegramCredentials,
    *,
    data: str,
    button_text: str,
    chat_id: int = 5511987654,
    first_name: str = "Maria",
    last_name: str | None = "da Silva",
    bot_message_id: int = 1001,
    update_id: int | None = None,
    callback_id: str | None = None,
) -> WebhookDelivery:
    bot_id = int(credentials.bot_id)
    callback = {
        "id": callback_id or str(secrets.randbelow(10**18)),
        "from": _person(chat_id, first_name, last_name),
        "message": {
            "message_id": bot_message_id,
            "from": {"id": bot_id, "is_bot": True, "first_name": "Prefeitura"},
            "chat": _private_chat(chat_id, first_name, last_name),
            "date": int(time.time()),
            "text": "Escolha uma opção:",
            "reply_markup": {"inline_keyboard": [[{"text": button_text, "callback_data": data}]]},
        },
        "chat_instance": str(secrets.randbelow(10**18)),
        "data": data,
    }
    return build_update(
        credentials,
        {
            "update_id": update_id if update_id is not None else next_update_id(),
            "callback_query": callback,
        },
    )

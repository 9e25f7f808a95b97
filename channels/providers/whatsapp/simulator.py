"""A local stand-in for the WhatsApp Cloud API, and builders of signed Meta webhooks.

`WhatsAppSimulator` answers the Graph endpoints the adapter uses, on 127.0.0.1:

- `POST /{version}/{phone-number-id}/messages`: send (text, media, template) and mark-as-read;
- `GET /{version}/{media-id}`: media lookup (url, mime_type, sha256, file_size, id);
- `GET /media-download/{media-id}`: the media bytes, behind the same Bearer token.

It checks the Bearer token and the phone number id, validates bodies the way Graph does (400
with Graph's error body) and answers with Graph's success shapes. `fail_next(mode, times)` makes
the next calls fail like Meta does: `session_window_closed` (131047), `rate_limited` (130429),
`pair_rate_limited` (131056), `auth` (190) and `server_error` (131000, HTTP 500).

The `build_*` functions produce webhook bodies exactly as Meta posts them (compact JSON) with a
valid `X-Hub-Signature-256`, so tests and the product's simulator page drive the real intake.
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import secrets
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any, ClassVar

from channels.providers.base import WebhookDelivery
from channels.providers.simulation import RecordedRequest, SimulatedResponse, SimulatorServer
from channels.providers.whatsapp.credentials import WhatsAppCredentials
from channels.providers.whatsapp.webhook import SIGNATURE_HEADER, sign_body

_MESSAGES_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]+)/messages$")
_MEDIA_PATH = re.compile(r"^/(v\d+\.\d+)/([^/]+)$")
_DOWNLOAD_PATH = re.compile(r"^/media-download/([^/]+)$")
_MESSAGE_TYPES = (
    "audio",
    "contacts",
    "document",
    "image",
    "interactive",
    "location",
    "reaction",
    "sticker",
    "template",
    "text",
    "video",
)
_MEDIA_MESSAGE_TYPES = ("audio", "document", "image", "sticker", "video")


def new_wamid() -> str:
    return "wamid." + base64.b64encode(secrets.token_bytes(27)).decode()


def _fbtrace_id() -> str:
    return secrets.token_urlsafe(8)


def graph_error(
    status: int,
    *,
    code: int,
    message: str,
    details: str | None = None,
    error_type: str = "OAuthException",
    subcode: int | None = None,
) -> SimulatedResponse:
    error: dict[str, Any] = {"message": message, "type": error_type, "code": code}
    if details is not None:
        error["error_data"] = {"messaging_product": "whatsapp", "details": details}
    if subcode is not None:
        error["error_subcode"] = subcode
    error["fbtrace_id"] = _fbtrace_id()
    return SimulatedResponse.json(status, {"error": error})


def _invalid_token() -> SimulatedResponse:
    return graph_error(
        401, code=190, message="Invalid OAuth access token - Cannot parse access token"
    )


def _missing_parameter(name: str) -> SimulatedResponse:
    return graph_error(400, code=100, message=f"(#100) The parameter {name} is required.")


def _invalid_value(details: str) -> SimulatedResponse:
    return graph_error(
        400, code=131009, message="(#131009) Parameter value is not valid", details=details
    )


def _unknown_object(object_id: str, verb: str) -> SimulatedResponse:
    return graph_error(
        400,
        code=100,
        subcode=33,
        error_type="GraphMethodException",
        message=(
            f"Unsupported {verb} request. Object with ID '{object_id}' does not exist, cannot be "
            "loaded due to missing permissions, or does not support this operation. Please read "
            "the Graph API documentation at https://developers.facebook.com/docs/graph-api"
        ),
    )


@dataclass(frozen=True)
class StoredMedia:
    content: bytes
    mime_type: str


class WhatsAppSimulator(SimulatorServer):
    failure_modes: ClassVar[Mapping[str, Any]] = {
        "session_window_closed": lambda: graph_error(
            400,
            code=131047,
            message="(#131047) Re-engagement message",
            details=(
                "Message failed to send because more than 24 hours have passed since the "
                "customer last replied to this number."
            ),
        ),
        "rate_limited": lambda: graph_error(
            400,
            code=130429,
            message="(#130429) Rate limit hit",
            details="Cloud API message throughput has been reached.",
        ),
        "pair_rate_limited": lambda: graph_error(
            400,
            code=131056,
            message="(#131056) (Business Account, Consumer Account) pair rate limit hit",
            details=(
                "Message failed to send because there were too many messages sent from this "
                "phone number to the same phone number in a short period of time."
            ),
        ),
        "auth": lambda: graph_error(
            401,
            code=190,
            subcode=463,
            message=(
                "Error validating access token: Session has expired on Friday, 01-Jan-21 "
                "00:00:00 PST. The current time is Saturday, 02-Jan-21 00:00:00 PST."
            ),
        ),
        "server_error": lambda: graph_error(
            500,
            code=131000,
            message="(#131000) Something went wrong",
            details="Something went wrong",
        ),
    }

    def __init__(
        self,
        *,
        phone_number_id: str = "106540352242922",
        business_account_id: str = "102290129340398",
        access_token: str | None = None,
        app_secret: str | None = None,
        verify_token: str | None = None,
        api_version: str = "v21.0",
    ) -> None:
        super().__init__()
        self.phone_number_id = phone_number_id
        self.business_account_id = business_account_id
        # Fresh secrets per simulator: nothing reusable is baked into the code.
        self.access_token = access_token or "EAA" + secrets.token_urlsafe(32)
        self.app_secret = app_secret or secrets.token_hex(16)
        self.verify_token = verify_token or secrets.token_urlsafe(16)
        self.api_version = api_version
        self.sent: list[dict[str, Any]] = []  # accepted message bodies, in order
        self.read_marks: list[str] = []
        self._media: dict[str, StoredMedia] = {}

    @property
    def credentials(self) -> WhatsAppCredentials:
        return WhatsAppCredentials(
            phone_number_id=self.phone_number_id,
            business_account_id=self.business_account_id,
            access_token=self.access_token,
            app_secret=self.app_secret,
            verify_token=self.verify_token,
            api_base_url=self.base_url,
            api_version=self.api_version,
        )

    def add_media(self, content: bytes, mime_type: str, *, media_id: str | None = None) -> str:
        """Hold a file as if a citizen had sent it; returns the media id to put in a webhook."""
        media_id = media_id or str(secrets.randbelow(10**15) + 10**15)
        self._media[media_id] = StoredMedia(content=content, mime_type=mime_type)
        return media_id

    # -- request handling -------------------------------------------------------------------
    def _authorized(self, request: RecordedRequest) -> bool:
        return request.header("Authorization") == f"Bearer {self.access_token}"

    def handle(self, request: RecordedRequest) -> SimulatedResponse:
        if not self._authorized(request):
            return _invalid_token()
        download = _DOWNLOAD_PATH.match(request.path)
        if download and request.method == "GET":
            return self._download(download.group(1))
        failure = self._take_failure()
        if failure is not None:
            return failure
        messages = _MESSAGES_PATH.match(request.path)
        if messages and request.method == "POST":
            if messages.group(2) != self.phone_number_id:
                return _unknown_object(messages.group(2), "post")
            return self._messages(request)
        media = _MEDIA_PATH.match(request.path)
        if media and request.method == "GET":
            return self._media_lookup(media.group(2))
        return graph_error(400, code=100, message="Unknown path components: " + request.path)

    def _messages(self, request: RecordedRequest) -> SimulatedResponse:
        body = request.json
        if not isinstance(body, dict):
            return graph_error(400, code=100, message="(#100) Invalid parameter")
        if "messaging_product" not in body:
            return _missing_parameter("messaging_product")
        if body["messaging_product"] != "whatsapp":
            return _invalid_value("messaging_product must be whatsapp")
        if body.get("status") == "read":
            if not body.get("message_id"):
                return _missing_parameter("message_id")
            self.read_marks.append(str(body["message_id"]))
            return SimulatedResponse.json(200, {"success": True})
        if not body.get("to"):
            return _missing_parameter("to")
        message_type = body.get("type", "text")
        if message_type not in _MESSAGE_TYPES:
            return graph_error(
                400,
                code=100,
                message=(
                    f"(#100) Param type must be one of {{{', '.join(t.upper() for t in _MESSAGE_TYPES)}}}"
                    f' - got "{message_type}".'
                ),
            )
        problem = _validate_content(message_type, body)
        if problem is not None:
            return problem
        self.sent.append(body)
        to = str(body["to"])
        answer: dict[str, Any] = {
            "messaging_product": "whatsapp",
            "contacts": [{"input": to, "wa_id": re.sub(r"\D", "", to)}],
            "messages": [{"id": new_wamid()}],
        }
        if message_type == "template":
            answer["messages"][0]["message_status"] = "accepted"
        return SimulatedResponse.json(200, answer)

    def _media_lookup(self, media_id: str) -> SimulatedResponse:
        stored = self._media.get(media_id)
        if stored is None:
            return _unknown_object(media_id, "get")
        return SimulatedResponse.json(
            200,
            {
                "messaging_product": "whatsapp",
                "url": f"{self.base_url}/media-download/{media_id}",
                "mime_type": stored.mime_type,
                "sha256": hashlib.sha256(stored.content).hexdigest(),
                "file_size": str(len(stored.content)),
                "id": media_id,
            },
        )

    def _download(self, media_id: str) -> SimulatedResponse:
        stored = self._media.get(media_id)
        if stored is None:
            return SimulatedResponse(status=404, body=b"", content_type="text/plain")
        return SimulatedResponse(status=200, body=stored.content, content_type=stored.mime_type)

    # -- webhooks from this simulated number ------------------------------------------------
    def inbound_text(self, text: str, **kwargs: Any) -> WebhookDelivery:
        return build_inbound_text(self.credentials, text=text, **kwargs)

    def status(self, message_id: str, status: str, **kwargs: Any) -> WebhookDelivery:
        return build_status(self.credentials, message_id=message_id, status=status, **kwargs)


def _validate_content(message_type: str, body: Mapping[str, Any]) -> SimulatedResponse | None:
    content = body.get(message_type)
    if not isinstance(content, dict):
        return _missing_parameter(message_type)
    if message_type == "text":
        if not content.get("body"):
            return _missing_parameter("text['body']")
        if len(str(content["body"])) > 4096:
            return _invalid_value("text['body'] is longer than 4096 characters")
    elif message_type in _MEDIA_MESSAGE_TYPES:
        if ("id" in content) == ("link" in content):
            return _invalid_value(f"{message_type} must have exactly one of id or link")
        if "caption" in content and message_type in ("audio", "sticker"):
            return _invalid_value(f"caption is not supported for {message_type}")
    elif message_type == "template":
        if not content.get("name"):
            return _missing_parameter("template['name']")
        language = content.get("language")
        if not isinstance(language, dict) or not language.get("code"):
            return _missing_parameter("template['language']['code']")
    return None


# --- webhook builders --------------------------------------------------------------------------


def _now() -> str:
    return str(int(time.time()))


def deliver(credentials: WhatsAppCredentials, payload: Mapping[str, Any]) -> WebhookDelivery:
    """Serialize like Meta (compact JSON) and sign with the app secret."""
    body = json.dumps(payload, separators=(",", ":"), ensure_ascii=False).encode()
    return WebhookDelivery(
        body=body,
        headers={
            "Content-Type": "application/json",
            SIGNATURE_HEADER: sign_body(body, credentials.app_secret),
        },
    )


def _envelope(credentials: WhatsAppCredentials, value: Mapping[str, Any]) -> dict[str, Any]:
    return {
        "object": "whatsapp_business_account",
        "entry": [
            {
                "id": credentials.business_account_id,
                "changes": [
                    {
                        "value": {
                            "messaging_product": "whatsapp",
                            "metadata": {
                                "display_phone_number": "15550783881",
                                "phone_number_id": credentials.phone_number_id,
                            },
                            **value,
                        },
                        "field": "messages",
                    }
                ],
            }
        ],
    }


def _inbound(
    credentials: WhatsAppCredentials,
    *,
    message_type: str,
    content: Mapping[str, Any],
    from_number: str,
    name: str,
    message_id: str | None,
    timestamp: int | str | None,
    reply_to: str | None,
) -> WebhookDelivery:
    message: dict[str, Any] = {}
    if reply_to:
        message["context"] = {"from": "15550783881", "id": reply_to}
    message.update(
        {
            "from": from_number,
            "id": message_id or new_wamid(),
            "timestamp": str(timestamp) if timestamp is not None else _now(),
            "type": message_type,
            message_type: dict(content),
        }
    )
    value = {
        "contacts": [{"profile": {"name": name}, "wa_id": from_number}],
        "messages": [message],
    }
    return deliver(credentials, _envelope(credentials, value))


def build_inbound_text(
    credentials: WhatsAppCredentials,
    *,
    text: str,
    from_number: str = "5511987654321",
    name: str = "Maria da Silva",
    message_id: str | None = None,
    timestamp: int | str | None = None,
    reply_to: str | None = None,
) -> WebhookDelivery:
    return _inbound(
        credentials,
        message_type="text",
        content={"body": text},
        from_number=from_number,
        name=name,
        message_id=message_id,
        timestamp=timestamp,
        reply_to=reply_to,
    )


def build_inbound_media(
    credentials: WhatsAppCredentials,
    *,
    kind: str,
    media_id: str,
    mime_type: str,
    sha256: str | None = None,
    caption: str | None = None,
    filename: str | None = None,
    from_number: str = "5511987654321",
    name: str = "Maria da Silva",
    message_id: str | None = None,
    timestamp: int | str | None = None,
) -> WebhookDelivery:
    if kind not in _MEDIA_MESSAGE_TYPES:
        raise ValueError(f"{kind} is not a WhatsApp media type")
    content: dict[str, Any] = {"mime_type": mime_type, "sha256": sha256 or "", "id": media_id}
    if caption is not None:
        content["caption"] = caption
    if filename is not None:
        content["filename"] = filename
    if kind == "audio":
        content["voice"] = mime_type.startswith("audio/ogg")
    return _inbound(
        credentials,
        message_type=kind,
        content=content,
        from_number=from_number,
        name=name,
        message_id=message_id,
        timestamp=timestamp,
        reply_to=None,
    )


def build_inbound_location(
    credentials: WhatsAppCredentials,
    *,
    latitude: float,
    longitude: float,
    name_of_place: str | None = None,
    address: str | None = None,
    from_number: str = "5511987654321",
    name: str = "Maria da Silva",
    message_id: str | None = None,
    timestamp: int | str | None = None,
) -> WebhookDelivery:
    content: dict[str, Any] = {"latitude": latitude, "longitude": longitude}
    if address is not None:
        content["address"] = address
    if name_of_place is not None:
        content["name"] = name_of_place
    return _inbound(
        credentials,
        message_type="location",
        content=content,
        from_number=from_number,
        name=name,
        message_id=message_id,
        timestamp=timestamp,
        reply_to=None,
    )


def build_inbound_interactive_reply(
    credentials: WhatsAppCredentials,
    *,
    reply_id: str,
    title: str,
    reply_to: str,
    list_reply: bool = False,
    description: str | None = None,
    from_number: str = "5511987654321",
    name: str = "Maria da Silva",
    message_id: str | None = None,
    timestamp: int | str | None = None,
) -> WebhookDelivery:
    reply_type = "list_reply" if list_reply else "button_reply"
    reply: dict[str, Any] = {"id": reply_id, "title": title}
    if list_reply and description is not None:
        reply["description"] = description
    return _inbound(
        credentials,
        message_type="interactive",
        content={"type": reply_type, reply_type: reply},
        from_number=from_number,
        name=name,
        message_id=message_id,
        timestamp=timestamp,
        reply_to=reply_to,
    )


def build_status(
    credentials: WhatsAppCredentials,
    *,
    message_id: str,
    status: str,
    recipient_id: str = "5511987654321",
    timestamp: int | str | None = None,
    error_code: int | None = None,
    error_title: str | None = None,
    error_detail: str | None = None,
    pricing: Mapping[str, Any] | None = None,
    conversation: Mapping[str, Any] | None = None,
) -> WebhookDelivery:
    item: dict[str, Any] = {
        "id": message_id,
        "status": status,
        "timestamp": str(timestamp) if timestamp is not None else _now(),
        "recipient_id": recipient_id,
    }
    if conversation is not None:
        item["conversation"] = dict(conversation)
    if pricing is not None:
        item["pricing"] = dict(pricing)
    if error_code is not None:
        title = error_title or "Message failed"
        error: dict[str, Any] = {"code": error_code, "title": title, "message": title}
        if error_detail is not None:
            error["error_data"] = {"details": error_detail}
        item["errors"] = [error]
    return deliver(credentials, _envelope(credentials, {"statuses": [item]}))


def build_statuses(
    credentials: WhatsAppCredentials, statuses: Sequence[Mapping[str, Any]]
) -> WebhookDelivery:
    """Several raw status objects in one delivery, as Meta sometimes batches them."""
    return deliver(credentials, _envelope(credentials, {"statuses": [dict(s) for s in statuses]}))

"""The WebChat widget's side of the platform: its snippet, its visitors, its uploads.

The widget lives on the municipality's own site (another origin) and talks to the tenant host
under /webchat/<channel key>/ (channels.webchat_views). A visitor is anonymous: the widget keeps
a visitor id and a token signed with the channel's key (channels.providers.webchat.tokens);
every call carries the token and comes from an origin the channel allows.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.http import HttpRequest
from django.utils.html import escape
from django.utils.translation import gettext as _

from channels.errors import ChannelError
from channels.models import Channel, ChannelType
from channels.providers.errors import InvalidSignature, MediaTooLarge, MediaTypeNotAllowed
from channels.providers.webchat.origins import origin_allowed
from channels.providers.webchat.protocol import (
    ALLOWED_UPLOAD_MIME_TYPES,
    MAX_UPLOAD_BYTES,
    check_upload,
    kind_for_mime,
)
from channels.providers.webchat.tokens import VisitorClaims, verify_visitor_token
from channels.services import webchat_visitor_token_issue
from desk.models import Conversation, MediaFile, Message
from desk.services.media import (
    MediaRejected,
    base_mime_type,
    media_check,
    media_file_store,
    webchat_upload_id,
)


def tenant_base_url(request: HttpRequest) -> str:
    """The tenant host as the caller reached it (scheme, host and port)."""
    return request.build_absolute_uri("/").rstrip("/")


def embed_snippet(channel: Channel, base_url: str) -> str:
    """What the municipality pastes into its pages (before `</body>`)."""
    base = escape(base_url.rstrip("/"))
    return (
        f'<script src="{base}{settings.STATIC_URL}webchat/widget.js" '
        f'data-channel="{escape(channel.account_id)}" data-base="{base}" async></script>'
    )


def webchat_channel_get(channel_key: str) -> Channel | None:
    return Channel.objects.filter(
        type=ChannelType.WEBCHAT, account_id=channel_key, is_active=True
    ).first()


def webchat_origin_allowed(channel: Channel, origin: str | None) -> bool:
    return origin_allowed(origin, channel.webchat_allowed_origins or ())


def _signing_key(channel: Channel) -> str:
    return str(channel.credentials_data().get("signing_key", ""))


def visitor_claims(channel: Channel, token: str | None) -> VisitorClaims | None:
    """The visitor a token names, if it is genuine, unexpired and for this channel."""
    if not token:
        return None
    try:
        return verify_visitor_token(
            token, signing_key=_signing_key(channel), channel_key=channel.account_id
        )
    except InvalidSignature:
        return None


@dataclass(frozen=True)
class VisitorSession:
    visitor_id: str
    token: str
    renewed: bool


def visitor_session(channel: Channel, previous_token: str | None) -> VisitorSession:
    """A fresh token for the visitor the widget already had (a sliding expiry), or a new
    anonymous visitor when it had none or its token no longer holds."""
    claims = visitor_claims(channel, previous_token)
    visitor_id, token = webchat_visitor_token_issue(
        channel, visitor_id=claims.visitor_id if claims else None
    )
    return VisitorSession(visitor_id=visitor_id, token=token, renewed=claims is not None)


class UploadRefused(ChannelError):
    """A visitor's file was refused; `status` is 413 (too large) or 415 (type)."""

    def __init__(self, message: str, *, status: int) -> None:
        super().__init__(message, field="file")
        self.status = status


@dataclass(frozen=True)
class Upload:
    upload_id: str
    mime_type: str
    size: int
    filename: str
    sha256: str


def upload_limits() -> dict[str, object]:
    return {"max_bytes": MAX_UPLOAD_BYTES, "types": sorted(ALLOWED_UPLOAD_MIME_TYPES)}


def webchat_upload_store(*, content: bytes, mime_type: str, filename: str) -> Upload:
    """Stores a visitor's file; `ChannelError` with a clear reason (type, size) otherwise.

    Two limits apply: the widget's own (types it may send, 10 MB) and the platform's per kind
    (settings.MEDIA_MAX_BYTES: images 5 MB…); the stricter wins.
    """
    mime = base_mime_type(mime_type)
    try:
        check_upload(mime, len(content))
    except MediaTypeNotAllowed as error:
        raise UploadRefused(
            _(
                "Tipo de arquivo não aceito (%(type)s). Envie imagem, áudio, vídeo, PDF, texto ou "
                "documento do Office."
            )
            % {"type": mime or "?"},
            status=415,
        ) from error
    except MediaTooLarge as error:
        raise UploadRefused(
            _("Arquivo grande demais: o limite é %(limit)s MB.")
            % {"limit": MAX_UPLOAD_BYTES // (1024 * 1024)},
            status=413,
        ) from error
    kind = kind_for_mime(mime).value
    try:
        media_check(kind, mime, len(content))
        with transaction.atomic():
            media = media_file_store(
                content=content, mime_type=mime, kind=kind, original_name=filename
            )
    except MediaRejected as rejected:
        raise UploadRefused(
            rejected.message, status=413 if rejected.code == "media_too_large" else 415
        ) from rejected
    return _upload(media)


def _upload(media: MediaFile) -> Upload:
    return Upload(
        upload_id=webchat_upload_id(media),
        mime_type=media.mime_type,
        size=media.size,
        filename=media.original_name,
        sha256=media.sha256,
    )


@dataclass(frozen=True)
class VisitorConversation:
    protocol: str
    status: str
    opened_at: datetime
    messages: list[Message]


def visitor_conversation(
    channel: Channel, visitor_id: str, *, limit: int = 50
) -> VisitorConversation | None:
    """The visitor's latest conversation on this channel and its last messages."""
    conversation = (
        Conversation.objects.filter(channel=channel, identity__external_id=visitor_id)
        .order_by("-opened_at")
        .first()
    )
    if conversation is None:
        return None
    latest = list(
        Message.objects.filter(conversation=conversation)
        .select_related("media")
        .order_by("-created_at", "-id")[:limit]
    )
    return VisitorConversation(
        protocol=conversation.protocol,
        status=conversation.status,
        opened_at=conversation.opened_at,
        messages=list(reversed(latest)),
    )

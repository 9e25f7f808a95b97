"""Media files: inbound downloads, tenant storage, limits, signed links for providers.

Inbound media is fetched by its own task after the message commits (`media_fetch`), so a slow
or large download never holds the message's transaction open: the message shows at once with
`media_status = pending`, then `stored` or `failed` with a clear reason in `error_message`.

Files live in Django's default storage under `<schema>/media/<yyyy>/<mm>/<uuid><ext>`, so one
tenant's files never share a folder with another's. Each stored file is reported to billing
(`storage_usage_adjust`, 6.5.47) in the transaction that attaches it to the message.

Limits: `settings.MEDIA_MAX_BYTES[kind]` and `settings.MEDIA_ALLOWED_MIME_TYPES[kind]`,
checked on the provider's declared size and type before downloading, and again on the bytes.
"""

from __future__ import annotations

import hashlib
import logging
import mimetypes
import uuid
from collections.abc import Callable
from datetime import datetime
from typing import Any

from django.conf import settings
from django.core import signing
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from billing.services import storage_usage_adjust
from channels.credentials import provider_credentials
from channels.models import ChannelType
from channels.providers.base import ProviderAdapter
from channels.providers.errors import MediaTooLarge, MediaTypeNotAllowed, ProviderError
from channels.providers.registry import get_adapter
from desk.events import Audience, publish_on_commit
from desk.models import MediaFile, MediaKind, MediaStatus, Message
from desk.services.metering import current_tenant_id
from desk.tenancy import current_schema
from tenants.models import Domain

logger = logging.getLogger("desk.media")

AdapterFactory = Callable[[str], ProviderAdapter[Any]]
# Links handed to providers (and the WebChat widget) to fetch our files.
MEDIA_LINK_MAX_AGE_SECONDS = 7 * 24 * 3600
_SIGNING_SALT = "desk.media.link"
# Billing meters storage in four types; stickers are images.
_STORAGE_TYPE = {MediaKind.STICKER: MediaKind.IMAGE}
_KIND_LABEL = {
    MediaKind.IMAGE: _("imagens"),
    MediaKind.VIDEO: _("vídeos"),
    MediaKind.AUDIO: _("áudios"),
    MediaKind.DOCUMENT: _("documentos"),
    MediaKind.STICKER: _("figurinhas"),
}


class MediaRejected(Exception):
    def __init__(self, code: str, message: str) -> None:
        super().__init__(message)
        self.code = code
        self.message = message


def base_mime_type(mime_type: str | None) -> str:
    return (mime_type or "").split(";", 1)[0].strip().lower()


def _megabytes(size: int) -> str:
    """A size as people read it, Brazilian style ("16 MB", "1,5 MB", "500 KB")."""
    if size >= 1024 * 1024:
        value, unit = size / (1024 * 1024), "MB"
    elif size >= 1024:
        value, unit = size / 1024, "KB"
    else:
        return f"{size} bytes"
    text = f"{value:.1f}".removesuffix(".0").replace(".", ",")
    return f"{text} {unit}"


def media_check(kind: str, mime_type: str | None, size: int | None) -> None:
    """Refuses a file over the kind's size limit or of a type not accepted for that kind."""
    label = _KIND_LABEL.get(MediaKind(kind), kind)
    limit = int(settings.MEDIA_MAX_BYTES.get(kind, 0))
    if size is not None and limit and size > limit:
        raise MediaRejected(
            "media_too_large",
            _("Arquivo recebido com %(size)s: o limite para %(kind)s é %(limit)s.")
            % {"size": _megabytes(size), "kind": label, "limit": _megabytes(limit)},
        )
    mime = base_mime_type(mime_type)
    if mime and mime not in settings.MEDIA_ALLOWED_MIME_TYPES.get(kind, ()):
        raise MediaRejected(
            "media_type_not_allowed",
            _("Tipo de arquivo não aceito para %(kind)s: %(type)s.")
            % {"kind": label, "type": mime},
        )


def media_path(public_id: uuid.UUID, mime_type: str, now: datetime) -> str:
    extension = mimetypes.guess_extension(base_mime_type(mime_type)) or ""
    return f"{current_schema()}/media/{now:%Y/%m}/{public_id}{extension}"


def media_file_store(
    *,
    content: bytes,
    mime_type: str,
    kind: str,
    original_name: str = "",
    now: datetime | None = None,
) -> MediaFile:
    """Writes a file to tenant storage and its row (the WebChat upload endpoint uses this too).

    Storage is metered here, in the caller's transaction. The file is written first: a
    rollback leaves an unreferenced file behind, never a row without its file.
    """
    now = now or timezone.now()
    media_check(kind, mime_type, len(content))
    public_id = uuid.uuid4()
    name = default_storage.save(media_path(public_id, mime_type, now), ContentFile(content))
    media = MediaFile.objects.create(
        public_id=public_id,
        file=name,
        kind=kind,
        mime_type=base_mime_type(mime_type) or "application/octet-stream",
        size=len(content),
        sha256=hashlib.sha256(content).hexdigest(),
        original_name=original_name[:255],
        created_at=now,
    )
    storage_usage_adjust(
        tenant=current_tenant_id(),
        media_type=_STORAGE_TYPE.get(MediaKind(kind), MediaKind(kind)).value,
        delta_bytes=len(content),
    )
    return media


def _tenant_base_url() -> str:
    domain = (
        Domain.objects.filter(tenant_id=current_tenant_id(), is_primary=True)
        .values_list("domain", flat=True)
        .first()
    )
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT else ""
    return f"{settings.PUBLIC_SCHEME}://{domain or settings.BASE_DOMAIN}{port}"


def media_link_token(media: MediaFile) -> str:
    return signing.dumps(
        {"schema": current_schema(), "id": str(media.public_id)}, salt=_SIGNING_SALT
    )


def media_link_resolve(token: str) -> MediaFile | None:
    """The file a link names, if the link is ours, unexpired and for the current tenant."""
    try:
        data = signing.loads(token, salt=_SIGNING_SALT, max_age=MEDIA_LINK_MAX_AGE_SECONDS)
    except signing.BadSignature:
        return None
    if not isinstance(data, dict) or data.get("schema") != current_schema():
        return None
    public_id = webchat_upload_public_id(str(data.get("id", "")))
    if public_id is None:
        return None
    return MediaFile.objects.filter(public_id=public_id).first()


def media_public_url(media: MediaFile) -> str:
    """A link the provider can fetch the file from (signed, expiring; desk.views.media_link)."""
    return f"{_tenant_base_url()}/midia/{media_link_token(media)}"


# --- inbound -----------------------------------------------------------------------------------


def _mark_failed(message_id: int, code: str, message_text: str) -> str:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation")
            .filter(pk=message_id, media_status=MediaStatus.PENDING)
            .first()
        )
        if message is None:
            return "skipped"
        message.media_status = MediaStatus.FAILED
        message.error_code = code[:64]
        message.error_message = message_text[:500]
        message.save(update_fields=["media_status", "error_code", "error_message"])
        _publish_media(message)
    return "failed"


def _publish_media(message: Message) -> None:
    team_id = message.conversation.team_id
    publish_on_commit(
        "message.media",
        {
            "message_id": message.pk,
            "conversation_id": message.conversation_id,
            "media_status": message.media_status,
            "error_message": message.error_message,
        },
        Audience(teams=[team_id] if team_id else []),
    )


def _attach(message_id: int, attach: Callable[[], MediaFile]) -> str:
    with transaction.atomic():
        message = (
            Message.objects.select_for_update(of=("self",))
            .select_related("conversation")
            .filter(pk=message_id, media_status=MediaStatus.PENDING)
            .first()
        )
        if message is None:
            return "skipped"
        message.media = attach()
        message.media_status = MediaStatus.STORED
        message.save(update_fields=["media", "media_status"])
        _publish_media(message)
    return "stored"


def media_fetch(
    message_id: int, *, final_attempt: bool = True, adapter_factory: AdapterFactory = get_adapter
) -> str:
    """Downloads and stores an inbound message's file. Returns `stored`, `failed`, `skipped`
    (nothing pending) or `retry` (a transient provider error and not `final_attempt`)."""
    message = Message.objects.select_related("channel").filter(pk=message_id).first()
    if message is None or message.media_status != MediaStatus.PENDING:
        return "skipped"
    reference: dict[str, Any] = dict(message.payload.get("media") or {})
    kind = message.kind
    channel = message.channel
    media_id = str(reference.get("provider_media_id") or "")

    if channel.type == ChannelType.WEBCHAT:
        # The widget uploaded the file to us before sending; link that file, do not copy it.
        upload_id = webchat_upload_public_id(media_id)
        upload = MediaFile.objects.filter(public_id=upload_id).first() if upload_id else None
        if upload is None:
            return _mark_failed(
                message_id, "upload_not_found", _("O arquivo enviado não foi encontrado.")
            )
        return _attach(message_id, lambda: upload)

    try:
        media_check(kind, reference.get("mime_type"), reference.get("size"))
        adapter = adapter_factory(channel.type)
        limit = int(settings.MEDIA_MAX_BYTES.get(kind, 0))
        if limit and hasattr(adapter, "max_media_bytes"):
            # Let the adapter refuse an oversized file from its declared size, before download.
            adapter.max_media_bytes = limit
        downloaded = adapter.download_media(provider_credentials(channel), media_id)
        mime_type = base_mime_type(reference.get("mime_type")) or base_mime_type(
            downloaded.mime_type
        )
        media_check(kind, mime_type, len(downloaded.content))
    except MediaRejected as rejected:
        return _mark_failed(message_id, rejected.code, rejected.message)
    except MediaTooLarge:
        limit = int(settings.MEDIA_MAX_BYTES.get(kind, 0))
        return _mark_failed(
            message_id,
            "media_too_large",
            _("Arquivo recebido maior que o limite de %(limit)s para %(kind)s.")
            % {"limit": _megabytes(limit), "kind": _KIND_LABEL.get(MediaKind(kind), kind)},
        )
    except MediaTypeNotAllowed as error:
        return _mark_failed(message_id, "media_type_not_allowed", str(error.user_message))
    except ProviderError as error:
        if error.retryable and not final_attempt:
            return "retry"
        return _mark_failed(
            message_id,
            error.code,
            _("Não foi possível baixar o arquivo do provedor: %(reason)s")
            % {"reason": error.title},
        )

    filename = str(reference.get("filename") or downloaded.filename or "")
    return _attach(
        message_id,
        lambda: media_file_store(
            content=downloaded.content,
            mime_type=mime_type or "application/octet-stream",
            kind=kind,
            original_name=filename,
        ),
    )


def webchat_upload_id(media: MediaFile) -> str:
    """The `upload_id` the WebChat upload endpoint answers with (channels/providers/webchat/
    protocol.py): the widget sends it back in the message's attachments."""
    return f"up_{media.public_id.hex}"


def webchat_upload_public_id(upload_id: str) -> uuid.UUID | None:
    try:
        return uuid.UUID(hex=upload_id.removeprefix("up_"))
    except ValueError:
        return None

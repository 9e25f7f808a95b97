"""HTML/file views of the desk that need no login: the signed media links providers fetch."""

from __future__ import annotations

from django.core.files.storage import default_storage
from django.http import FileResponse, Http404, HttpRequest
from django.views.decorators.http import require_GET

from desk.services.media import media_link_resolve


@require_GET
def media_link(request: HttpRequest, token: str) -> FileResponse:
    """Serves a file to whoever holds its signed, expiring link (WhatsApp and Telegram fetch
    outbound media this way; the WebChat widget too). Anything else is a plain 404."""
    media = media_link_resolve(token)
    if media is None:
        raise Http404
    response = FileResponse(
        default_storage.open(str(media.file.name), "rb"), content_type=media.mime_type
    )
    response["Content-Length"] = str(media.size)
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, max-age=3600"
    return response

"""`{% push_console %}`: the console's phone features (Web Push toggle and the audio recorder),
included by portal/templates/portal/console/page.html with one line."""

from __future__ import annotations

from typing import Any

from django import template
from django.conf import settings
from django.urls import reverse

from push.services import vapid_public_key

register = template.Library()

# A voice message longer than this is stopped and sent (WhatsApp voice notes run minutes).
AUDIO_MAX_SECONDS = 5 * 60


@register.inclusion_tag("push/_console.html", takes_context=True)
def push_console(context: template.Context) -> dict[str, Any]:
    return {
        "request": context.get("request"),
        "csrf_token": context.get("csrf_token"),
        "push_key": vapid_public_key(),
        "push_api": reverse("tenant-api:subscription_create"),
        "audio_max_bytes": int(settings.MEDIA_MAX_BYTES.get("audio", 0)),
        "audio_max_seconds": AUDIO_MAX_SECONDS,
        "audio_types": " ".join(settings.MEDIA_ALLOWED_MIME_TYPES.get("audio", [])),
    }

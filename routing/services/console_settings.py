"""The admin's per-team console settings: which history agents see (6.5.37.3, 6.5.37.4) and
the background image of the conversation area (6.5.37.8).

The image is an ordinary media file in the tenant's storage (`desk.services.media`, so it is
metered like any other file) that the console shows through a signed link. Only JPEG, PNG and
WebP up to `BACKGROUND_MAX_BYTES` and `BACKGROUND_MAX_PIXELS` are accepted; the type is read
from the bytes, never taken from the browser's word.
"""

from __future__ import annotations

import io

from django.db import transaction
from django.utils.translation import gettext as _
from PIL import Image, UnidentifiedImageError

from accounts.models import User
from desk.models import Conversation, MediaFile, MediaKind, Team
from desk.services.media import MediaRejected, media_file_store
from routing.errors import RoutingError
from routing.models import HistoryVisibility, TeamConsoleSettings, TeamMembership
from routing.services.access import require
from security.actors import Actor
from security.audit import audit_record

BACKGROUND_MAX_BYTES = 2 * 1024 * 1024
BACKGROUND_MAX_PIXELS = 4096 * 4096
BACKGROUND_TYPES = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}


def team_console_settings(team_id: int) -> TeamConsoleSettings:
    settings, _created = TeamConsoleSettings.objects.get_or_create(team_id=team_id)
    return settings


def team_history_visibility_set(
    *, actor: Actor, team: Team, visibility: str
) -> TeamConsoleSettings:
    require(actor, "manage_settings")
    if visibility not in HistoryVisibility.values:
        raise RoutingError(_("Opção inválida."), code="invalid", field="history_visibility")
    with transaction.atomic():
        team_console_settings(team.pk)
        settings = TeamConsoleSettings.objects.select_for_update().get(pk=team.pk)
        before = settings.history_visibility
        if before != visibility:
            settings.history_visibility = visibility
            settings.save(update_fields=["history_visibility", "updated_at"])
            audit_record(
                actor=actor,
                action="team.history_visibility.update",
                target=team,
                before={"history_visibility": before},
                after={"history_visibility": visibility},
            )
    return settings


def background_mime_type(content: bytes) -> str:
    """The image's real type, or a RoutingError saying why it is refused."""
    if len(content) > BACKGROUND_MAX_BYTES:
        raise RoutingError(
            _("A imagem tem mais de 2 MB. Envie um arquivo menor."),
            code="background_too_large",
            field="background",
        )
    try:
        with Image.open(io.BytesIO(content)) as image:
            image_format = image.format or ""
            width, height = image.size
            image.verify()
    except (UnidentifiedImageError, OSError, SyntaxError, Image.DecompressionBombError) as error:
        raise RoutingError(
            _("O arquivo não é uma imagem válida. Envie JPEG, PNG ou WebP."),
            code="background_not_image",
            field="background",
        ) from error
    if image_format not in BACKGROUND_TYPES:
        raise RoutingError(
            _("Tipo de imagem não aceito. Envie JPEG, PNG ou WebP."),
            code="background_type",
            field="background",
        )
    if width * height > BACKGROUND_MAX_PIXELS:
        raise RoutingError(
            _("A imagem é grande demais (no máximo 4096 x 4096 pixels)."),
            code="background_too_large",
            field="background",
        )
    return BACKGROUND_TYPES[image_format]


def team_background_set(
    *, actor: Actor, team: Team, content: bytes, original_name: str = ""
) -> TeamConsoleSettings:
    """Stores the image in tenant storage and makes it the team's console background."""
    require(actor, "manage_settings")
    mime_type = background_mime_type(content)
    with transaction.atomic():
        team_console_settings(team.pk)
        settings = TeamConsoleSettings.objects.select_for_update().get(pk=team.pk)
        before = settings.background_id
        try:
            media = media_file_store(
                content=content,
                mime_type=mime_type,
                kind=MediaKind.IMAGE,
                original_name=original_name,
            )
        except MediaRejected as error:
            raise RoutingError(error.message, code=error.code, field="background") from error
        settings.background = media
        settings.save(update_fields=["background", "updated_at"])
        audit_record(
            actor=actor,
            action="team.background.set",
            target=team,
            before={"background": before},
            after={
                "background": media.pk,
                "mime_type": media.mime_type,
                "size": media.size,
                "name": media.original_name,
            },
        )
    return settings


def team_background_remove(*, actor: Actor, team: Team) -> TeamConsoleSettings:
    require(actor, "manage_settings")
    with transaction.atomic():
        team_console_settings(team.pk)
        settings = TeamConsoleSettings.objects.select_for_update().get(pk=team.pk)
        before = settings.background_id
        if before is not None:
            settings.background = None
            settings.save(update_fields=["background", "updated_at"])
            audit_record(
                actor=actor,
                action="team.background.remove",
                target=team,
                before={"background": before},
                after={"background": None},
            )
    return settings


def console_background_for(
    user: User, conversation: Conversation | None = None
) -> tuple[int, MediaFile] | None:
    """The team and image of the console background for this agent: the open conversation's
    team when the agent belongs to it, else the first of the agent's teams (logged-in ones
    first) that has one. Someone who belongs to no team with a background gets none."""
    memberships = list(
        TeamMembership.objects.filter(user_id=user.pk).values_list("team_id", "is_logged_in")
    )
    if not memberships:
        return None
    backgrounds = {
        row.team_id: row.background
        for row in TeamConsoleSettings.objects.filter(
            team_id__in=[team_id for team_id, _logged in memberships], background__isnull=False
        ).select_related("background")
        if row.background is not None
    }
    if conversation is not None and conversation.team_id in backgrounds:
        return int(conversation.team_id), backgrounds[conversation.team_id]
    for team_id, _logged in sorted(memberships, key=lambda row: (not row[1], row[0])):
        if team_id in backgrounds:
            return team_id, backgrounds[team_id]
    return None

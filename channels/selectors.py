from __future__ import annotations

from django.db.models import QuerySet

from channels.models import Channel


def channel_list(*, active_only: bool = False) -> QuerySet[Channel]:
    channels = Channel.objects.select_related("default_team").order_by("name")
    return channels.filter(is_active=True) if active_only else channels


def channel_get(*, channel_id: int) -> Channel | None:
    return Channel.objects.select_related("default_team").filter(pk=channel_id).first()

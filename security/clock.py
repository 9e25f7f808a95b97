"""The server clock, in one place so tests can move it (6.2.19: time comes from the server)."""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from django.utils import timezone

LOCAL_TIMEZONE = ZoneInfo("America/Sao_Paulo")


def now() -> datetime:
    return timezone.now()


def local_now() -> datetime:
    return now().astimezone(LOCAL_TIMEZONE)

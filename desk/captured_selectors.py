"""Reads of the data captured in conversations (desk.services.captured_data). Callers check
that the user sees the conversation (desk.visibility) and mask values when they show them."""

from __future__ import annotations

from django.db.models import QuerySet

from desk.models import CapturedData, Conversation


def captured_data_list(*, conversation: Conversation) -> QuerySet[CapturedData]:
    """The current value of each key of `conversation` (its latest row), by key."""
    return (
        CapturedData.objects.filter(conversation=conversation)
        .select_related("captured_by")
        .order_by("key", "-id")
        .distinct("key")
    )


def captured_data_history(*, conversation: Conversation) -> QuerySet[CapturedData]:
    """Every value ever recorded in `conversation`, newest first."""
    return (
        CapturedData.objects.filter(conversation=conversation)
        .select_related("captured_by")
        .order_by("-id")
    )

"""Reads of the internal chat (6.5.58.10, 6.5.62): the people one may talk to, with what is
unread from each, and the conversation with one of them."""

from __future__ import annotations

from django.db.models import Count, F, IntegerField, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce

from accounts.models import User
from portal.models import InternalMessage

THREAD_LIMIT = 200
PEOPLE_LIMIT = 200


def chat_people(user: User, query: str = "") -> list[User]:
    """Every other active user of the tenant; the ones with unread messages first, then the
    latest conversations, then by name. Each carries `unread` and `last_at`."""
    unread = (
        InternalMessage.objects.filter(sender=OuterRef("pk"), recipient=user, read_at__isnull=True)
        .order_by()
        .values("sender")
        .annotate(total=Count("pk"))
        .values("total")[:1]
    )
    last = (
        InternalMessage.objects.filter(
            Q(sender=OuterRef("pk"), recipient=user) | Q(sender=user, recipient=OuterRef("pk"))
        )
        .order_by("-created_at")
        .values("created_at")[:1]
    )
    people = User.objects.filter(is_active=True).exclude(pk=user.pk)
    query = query.strip()
    if query:
        people = people.filter(Q(full_name__icontains=query) | Q(email__icontains=query))
    return list(
        people.annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), Value(0)),
            last_at=Subquery(last),
        ).order_by("-unread", F("last_at").desc(nulls_last=True), "full_name", "pk")[:PEOPLE_LIMIT]
    )


def chat_person(user: User, other_id: int) -> User | None:
    return User.objects.filter(pk=other_id, is_active=True).exclude(pk=user.pk).first()


def chat_thread(user: User, other: User) -> list[InternalMessage]:
    """The latest messages between the two, oldest first."""
    latest = (
        InternalMessage.objects.filter(
            Q(sender=user, recipient=other) | Q(sender=other, recipient=user)
        )
        .select_related("sender")
        .order_by("-created_at", "-id")[:THREAD_LIMIT]
    )
    return list(reversed(list(latest)))


def chat_unread_total(user: User) -> int:
    return InternalMessage.objects.filter(recipient=user, read_at__isnull=True).count()

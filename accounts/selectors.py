from __future__ import annotations

from django.db.models import QuerySet

from accounts.models import ApiToken, User


def user_list() -> QuerySet[User]:
    return User.objects.prefetch_related("groups").order_by("full_name")


def user_get(*, user_id: int) -> User:
    return User.objects.prefetch_related("groups").get(pk=user_id)


def api_token_list(*, user: User) -> QuerySet[ApiToken]:
    return ApiToken.objects.filter(user=user, revoked_at__isnull=True)

"""Reads of the security app: the policy in force, rules, blocks and the two logs."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta

from django.db.models import Q, QuerySet, Sum
from django.http import HttpRequest

from accounts.models import User
from security import clock
from security.models import (
    AccessEvent,
    AuditEntry,
    BlockKind,
    IpRule,
    LoginBlock,
    LoginSchedule,
    MaskingRule,
    PasswordHistory,
    SecurityPolicy,
)

_REQUEST_CACHE = "_security_policy"


def policy_get() -> SecurityPolicy:
    """The current schema's policy; an unsaved row with the defaults until an admin saves one.

    Reading never writes, so a GET cannot create rows as a side effect.
    """
    policy = SecurityPolicy.objects.filter(pk=SecurityPolicy.SINGLETON_ID).first()
    return policy or SecurityPolicy(pk=SecurityPolicy.SINGLETON_ID)


def policy_for_request(request: HttpRequest) -> SecurityPolicy:
    """The policy, read once per request however many middlewares and forms ask."""
    cached = getattr(request, _REQUEST_CACHE, None)
    if cached is None:
        cached = policy_get()
        setattr(request, _REQUEST_CACHE, cached)
    return cached


def ip_rule_list() -> QuerySet[IpRule]:
    return IpRule.objects.all()


def ip_rule_pairs() -> list[tuple[str, str]]:
    return list(IpRule.objects.values_list("kind", "network"))


def masking_rule_list(*, active_only: bool = False) -> QuerySet[MaskingRule]:
    rules = MaskingRule.objects.all()
    return rules.filter(is_active=True) if active_only else rules


def login_schedule_list() -> QuerySet[LoginSchedule]:
    return LoginSchedule.objects.select_related("user").order_by("role", "user__full_name")


def login_schedule_for(user: User) -> LoginSchedule | None:
    own = LoginSchedule.objects.filter(user=user).first()
    if own is not None:
        return own
    role = user.role
    if not role:
        return None
    return LoginSchedule.objects.filter(role=role).first()


def _active(now: datetime) -> Q:
    return Q(released_at__isnull=True) & (Q(expires_at__isnull=True) | Q(expires_at__gt=now))


def login_block_active_list() -> QuerySet[LoginBlock]:
    return LoginBlock.objects.filter(_active(clock.now())).order_by("-created_at")


def login_block_find(*, username: str | None, ip: str | None) -> LoginBlock | None:
    """The active block that stops this username or this address, if any."""
    subjects = Q()
    if username:
        subjects |= Q(kind=BlockKind.USER, value=username.strip().lower())
    if ip:
        subjects |= Q(kind=BlockKind.IP, value=ip)
    if not subjects:
        return None
    return (
        LoginBlock.objects.filter(_active(clock.now()) & subjects)
        .order_by("-permanent", "expires_at")
        .first()
    )


def recent_failures(*, username: str | None, ip: str | None, window: timedelta) -> int:
    """Failed logins counted by the lockout (django-axes attempts) for this user or address,
    whichever is higher, inside the window."""
    from axes.models import AccessAttempt

    since = clock.now() - window
    counts = [0]
    if username:
        counts.append(
            AccessAttempt.objects.filter(
                username=username.strip().lower(), attempt_time__gte=since
            ).aggregate(total=Sum("failures_since_start"))["total"]
            or 0
        )
    if ip:
        counts.append(
            AccessAttempt.objects.filter(ip_address=ip, attempt_time__gte=since).aggregate(
                total=Sum("failures_since_start")
            )["total"]
            or 0
        )
    return max(counts)


def password_changed_at(user: User) -> datetime | None:
    return (
        PasswordHistory.objects.filter(user=user)
        .order_by("-created_at", "-id")
        .values_list("created_at", flat=True)
        .first()
    )


@dataclass(frozen=True)
class Period:
    start: date | None = None
    end: date | None = None

    def bounds(self) -> tuple[datetime | None, datetime | None]:
        """Whole local days (America/Sao_Paulo), as aware datetimes: [start 00:00, end+1 00:00)."""
        start = (
            datetime.combine(self.start, time.min, tzinfo=clock.LOCAL_TIMEZONE)
            if self.start
            else None
        )
        end = (
            datetime.combine(self.end + timedelta(days=1), time.min, tzinfo=clock.LOCAL_TIMEZONE)
            if self.end
            else None
        )
        return start, end


def access_event_list(
    *, user: str = "", kind: str = "", ip: str = "", period: Period | None = None
) -> QuerySet[AccessEvent]:
    events = AccessEvent.objects.all()
    if user:
        events = events.filter(username__icontains=user.strip())
    if kind:
        events = events.filter(kind=kind)
    if ip:
        events = events.filter(ip=ip.strip())
    if period is not None:
        start, end = period.bounds()
        if start:
            events = events.filter(occurred_at__gte=start)
        if end:
            events = events.filter(occurred_at__lt=end)
    return events.order_by("-occurred_at", "-id")


def audit_entry_list(
    *,
    user: str = "",
    action: str = "",
    object_type: str = "",
    object_id: str = "",
    period: Period | None = None,
) -> QuerySet[AuditEntry]:
    entries = AuditEntry.objects.all()
    if user:
        entries = entries.filter(actor_label__icontains=user.strip())
    if action:
        entries = entries.filter(action__icontains=action.strip())
    if object_type:
        entries = entries.filter(object_type__icontains=object_type.strip())
    if object_id:
        entries = entries.filter(object_id=object_id.strip())
    if period is not None:
        start, end = period.bounds()
        if start:
            entries = entries.filter(occurred_at__gte=start)
        if end:
            entries = entries.filter(occurred_at__lt=end)
    return entries.order_by("-occurred_at", "-id")


def audit_actions() -> list[str]:
    return list(AuditEntry.objects.order_by("action").values_list("action", flat=True).distinct())


def audit_object_types() -> list[str]:
    return list(
        AuditEntry.objects.exclude(object_type="")
        .order_by("object_type")
        .values_list("object_type", flat=True)
        .distinct()
    )

"""Blocking sign-in by user or address: after repeated failures, or by an admin
(6.5.23.5, 6.5.23.7, 6.5.23.8)."""

from __future__ import annotations

import ipaddress
from datetime import timedelta

from django.contrib.sessions.models import Session
from django.core.validators import validate_email
from django.db import transaction
from django.http import HttpRequest
from django.utils.translation import gettext as _

from security import clock
from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.models import AccessEventKind, BlockKind, LockoutScope, LoginBlock, SecurityPolicy
from security.selectors import login_block_find, recent_failures
from security.services.access_log import access_event_record


def _block_snapshot(block: LoginBlock) -> dict[str, object]:
    return {
        "kind": block.kind,
        "value": block.value,
        "permanent": block.permanent,
        "expires_at": block.expires_at,
        "reason": block.reason,
    }


def _reset_attempts(kind: str, value: str) -> None:
    # The failures that caused a block are consumed by it: from here on the block row alone
    # decides, so its duration (not the counting window) sets how long it lasts.
    from axes.handlers.proxy import AxesProxyHandler

    if kind == BlockKind.USER:
        AxesProxyHandler.reset_attempts(username=value)
    else:
        AxesProxyHandler.reset_attempts(ip_address=value)


def login_block_after_failures(
    *, request: HttpRequest, policy: SecurityPolicy, username: str | None, ip: str | None
) -> LoginBlock | None:
    """Called when django-axes locks a client out: turns the lockout into block rows for the
    subjects (user and/or address, as the policy says) that reached the limit."""
    window = timedelta(minutes=policy.lockout_window_minutes)
    username = (username or "").strip().lower() or None
    subjects: list[tuple[str, str]] = []
    limit = policy.lockout_failures
    by_user = policy.lockout_scope in (LockoutScope.USER, LockoutScope.BOTH)
    by_ip = policy.lockout_scope in (LockoutScope.IP, LockoutScope.BOTH)
    if by_user and username and recent_failures(username=username, ip=None, window=window) >= limit:
        subjects.append((BlockKind.USER, username))
    if by_ip and ip and recent_failures(username=None, ip=ip, window=window) >= limit:
        subjects.append((BlockKind.IP, ip))
    if not subjects:
        return None
    now = clock.now()
    expires_at = (
        None
        if policy.lockout_is_until_unblocked
        else now + timedelta(minutes=policy.lockout_duration_minutes)
    )
    actor = Actor.from_request(request)
    first: LoginBlock | None = None
    with transaction.atomic():
        for kind, value in subjects:
            block = login_block_find(
                username=value if kind == BlockKind.USER else None,
                ip=value if kind == BlockKind.IP else None,
            )
            if block is None:
                block = LoginBlock.objects.create(
                    kind=kind,
                    value=value,
                    created_at=now,
                    expires_at=expires_at,
                    reason=_("%(count)d tentativas sem sucesso")
                    % {"count": policy.lockout_failures},
                    created_by=_("bloqueio automático"),
                )
                audit_record(
                    actor=actor,
                    action="login_block.create",
                    target=block,
                    after=_block_snapshot(block),
                )
            _reset_attempts(kind, value)
            first = first or block
        access_event_record(
            request=request,
            kind=AccessEventKind.LOCKOUT,
            username=username or "",
            detail=", ".join(f"{kind}:{value}" for kind, value in subjects),
        )
    return first


def _clean_subject(kind: str, value: str) -> str:
    value = (value or "").strip()
    if kind == BlockKind.USER:
        value = value.lower()
        try:
            validate_email(value)
        except Exception as error:
            raise SecurityError(_("Informe o e-mail do usuário."), field="value") from error
        return value
    if kind == BlockKind.IP:
        try:
            return str(ipaddress.ip_address(value))
        except ValueError as error:
            raise SecurityError(_("Informe um endereço IP válido."), field="value") from error
    raise SecurityError(_("Escolha usuário ou endereço IP."), field="kind")


def _end_sessions_of(email: str) -> int:
    """Signs the user out everywhere: a permanent block must not wait for the session to end."""
    from accounts.models import User

    user = User.objects.filter(email=email).first()
    if user is None:
        return 0
    ended = 0
    for session in Session.objects.filter(expire_date__gt=clock.now()).iterator():
        if session.get_decoded().get("_auth_user_id") == str(user.pk):
            session.delete()
            ended += 1
    return ended


def login_block_permanent(*, actor: Actor, kind: str, value: str, reason: str = "") -> LoginBlock:
    """Blocks a user or address until an admin unblocks it. An active temporary block of the
    same subject becomes permanent."""
    value = _clean_subject(kind, value)
    if kind == BlockKind.USER and value == actor.label.lower():
        raise SecurityError(_("Você não pode bloquear a si mesmo."), field="value")
    if kind == BlockKind.IP and actor.ip and value == actor.ip:
        raise SecurityError(_("Você não pode bloquear o seu próprio endereço."), field="value")
    with transaction.atomic():
        block = login_block_find(
            username=value if kind == BlockKind.USER else None,
            ip=value if kind == BlockKind.IP else None,
        )
        before = _block_snapshot(block) if block is not None else None
        if block is None:
            block = LoginBlock(kind=kind, value=value)
        block.permanent = True
        block.expires_at = None
        block.reason = (reason or "").strip()[:200] or _("bloqueio manual")
        block.created_by = actor.label
        block.save()
        audit_record(
            actor=actor,
            action="login_block.permanent",
            target=block,
            before=before,
            after=_block_snapshot(block),
        )
        if kind == BlockKind.USER:
            _end_sessions_of(value)
    return block


def login_block_release(*, actor: Actor, block: LoginBlock) -> LoginBlock:
    """Unblocks: the block ends now and the failures counted for the subject are cleared."""
    if block.released_at is not None:
        raise SecurityError(_("Este bloqueio já foi encerrado."))
    with transaction.atomic():
        block.released_at = clock.now()
        block.released_by = actor.label
        block.save(update_fields=["released_at", "released_by"])
        _reset_attempts(block.kind, block.value)
        audit_record(
            actor=actor,
            action="login_block.release",
            target=block,
            before=_block_snapshot(block),
            after={"released_by": actor.label},
        )
    return block

"""Every write on users, roles, invitations and API tokens, each one audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any

from django.conf import settings
from django.contrib.auth.models import Group, Permission
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django_tenants.utils import schema_context

from accounts.errors import AccountError, InvitationInvalid
from accounts.models import ApiToken, Invitation, User
from accounts.roles import ROLE_PERMISSIONS, Role
from accounts.tokens import new_api_token, new_secret, secret_hash
from security.actors import Actor
from security.audit import audit_record


def roles_sync() -> None:
    """Makes the role groups of the current schema match `ROLE_PERMISSIONS` (idempotent)."""
    wanted = {code for codes in ROLE_PERMISSIONS.values() for code in codes}
    permissions = {
        permission.codename: permission
        for permission in Permission.objects.filter(
            content_type__app_label="accounts", codename__in=wanted
        )
    }
    missing = wanted - permissions.keys()
    if missing:
        raise RuntimeError(f"permissions not migrated yet: {sorted(missing)}")
    for role, codes in ROLE_PERMISSIONS.items():
        group, _created = Group.objects.get_or_create(name=str(role))
        group.permissions.set([permissions[code] for code in codes])


def _user_snapshot(user: User) -> dict[str, Any]:
    return {
        "email": user.email,
        "full_name": user.full_name,
        "is_active": user.is_active,
        "role": user.role,
        "language": user.language,
    }


def _check_role(role: str) -> Role:
    try:
        return Role(role)
    except ValueError as error:
        raise AccountError(
            _("Papel desconhecido: %(role)s.") % {"role": role}, field="role"
        ) from error


def _set_role(user: User, role: Role) -> None:
    role_groups = Group.objects.filter(name__in=[r.value for r in Role])
    user.groups.remove(*role_groups)
    user.groups.add(Group.objects.get(name=role.value))


@dataclass(frozen=True)
class InvitationLink:
    user: User
    url: str


def invitation_url(*, host: str, token: str) -> str:
    port = f":{settings.PUBLIC_PORT}" if settings.PUBLIC_PORT and ":" not in host else ""
    return f"{settings.PUBLIC_SCHEME}://{host}{port}/convite/{token}/"


def user_invite(
    *, actor: Actor, email: str, full_name: str, role: str, host: str
) -> InvitationLink:
    """Creates a user without a password and e-mails them a link to set their own (6.5.23.3)."""
    email = (email or "").strip().lower()
    full_name = (full_name or "").strip()
    try:
        validate_email(email)
    except ValidationError as error:
        raise AccountError(_("Informe um e-mail válido."), field="email") from error
    if not full_name:
        raise AccountError(_("Informe o nome completo."), field="full_name")
    checked_role = _check_role(role)
    if User.objects.filter(email=email).exists():
        raise AccountError(_("Já existe um usuário com este e-mail."), field="email")
    with transaction.atomic():
        user = User.objects.create_user(email=email, full_name=full_name)
        _set_role(user, checked_role)
        token = _invitation_create(user)
        audit_record(actor=actor, action="user.invite", target=user, after=_user_snapshot(user))
        link = InvitationLink(user=user, url=invitation_url(host=host, token=token))
        _send_invitation_on_commit(link)
    return link


def _invitation_create(user: User) -> str:
    token = new_secret()
    Invitation.objects.create(
        user=user,
        token_hash=secret_hash(token),
        expires_at=timezone.now() + timedelta(days=settings.INVITATION_VALID_DAYS),
    )
    return token


def invitation_resend(*, actor: Actor, user: User, host: str) -> InvitationLink:
    if user.has_usable_password():
        raise AccountError(_("Este usuário já definiu sua senha."))
    with transaction.atomic():
        Invitation.objects.filter(user=user, accepted_at__isnull=True).update(
            expires_at=timezone.now()
        )
        token = _invitation_create(user)
        audit_record(actor=actor, action="user.invite_resend", target=user)
        link = InvitationLink(user=user, url=invitation_url(host=host, token=token))
        _send_invitation_on_commit(link)
    return link


def _send_invitation_on_commit(link: InvitationLink) -> None:
    # The task must be queued from the user's schema (tenant-schemas-celery records the current
    # schema); when provisioning commits, the connection is back on the public schema.
    schema = connection.schema_name  # type: ignore[attr-defined]  # django-tenants

    def send() -> None:
        from accounts.tasks import send_invitation_email

        with schema_context(schema):
            send_invitation_email.delay(user_id=link.user.pk, url=link.url)

    transaction.on_commit(send)


def invitation_get(*, token: str) -> Invitation:
    invitation = (
        Invitation.objects.select_related("user").filter(token_hash=secret_hash(token)).first()
    )
    if invitation is None or invitation.accepted_at is not None:
        raise InvitationInvalid(_("Este convite não é válido ou já foi usado."))
    if invitation.expires_at <= timezone.now():
        raise InvitationInvalid(_("Este convite expirou. Peça um novo ao administrador."))
    if not invitation.user.is_active:
        raise InvitationInvalid(_("Este usuário está desativado."))
    return invitation


def invitation_accept(*, token: str, password: str, actor: Actor) -> User:
    """The invited person sets their own password; the link then stops working."""
    with transaction.atomic():
        invitation = invitation_get(token=token)
        invitation = Invitation.objects.select_for_update().get(pk=invitation.pk)
        if invitation.accepted_at is not None:
            raise InvitationInvalid(_("Este convite não é válido ou já foi usado."))
        user = invitation.user
        try:
            validate_password(password, user)
        except ValidationError as error:
            raise AccountError(" ".join(error.messages), field="password") from error
        user.set_password(password)
        user.save(update_fields=["password"])
        invitation.accepted_at = timezone.now()
        invitation.save(update_fields=["accepted_at"])
        audit_record(
            actor=Actor(
                user_id=user.pk,
                label=user.email,
                via=actor.via,
                ip=actor.ip,
                user_agent=actor.user_agent,
                request_id=actor.request_id,
            ),
            action="user.password_set",
            target=user,
        )
    return user


def user_update(
    *,
    actor: Actor,
    user: User,
    full_name: str | None = None,
    role: str | None = None,
    is_active: bool | None = None,
    language: str | None = None,
) -> User:
    before = _user_snapshot(user)
    if actor.user_id == user.pk and (is_active is False or (role and role != user.role)):
        raise AccountError(_("Você não pode desativar nem mudar o próprio papel."))
    with transaction.atomic():
        if full_name is not None:
            if not full_name.strip():
                raise AccountError(_("Informe o nome completo."), field="full_name")
            user.full_name = full_name.strip()
        if is_active is not None:
            user.is_active = is_active
        if language is not None:
            if language and language not in dict(settings.LANGUAGES):
                raise AccountError(_("Idioma não disponível."), field="language")
            user.language = language
        user.save()
        if role is not None:
            _set_role(user, _check_role(role))
        after = _user_snapshot(user)
        if after != before:
            audit_record(actor=actor, action="user.update", target=user, before=before, after=after)
    return user


@dataclass(frozen=True)
class IssuedToken:
    token: str
    api_token: ApiToken


def api_token_create(*, actor: Actor, user: User, name: str) -> IssuedToken:
    name = (name or "").strip()
    if not name:
        raise AccountError(
            _("Dê um nome ao token (por exemplo, o sistema que vai usá-lo)."), field="name"
        )
    token, prefix, token_hash = new_api_token()
    with transaction.atomic():
        api_token = ApiToken.objects.create(
            user=user, name=name[:100], prefix=prefix, token_hash=token_hash
        )
        audit_record(
            actor=actor,
            action="api_token.create",
            target=api_token,
            after={"name": api_token.name, "user": user.email},
        )
    return IssuedToken(token=token, api_token=api_token)


def api_token_revoke(*, actor: Actor, api_token: ApiToken) -> None:
    with transaction.atomic():
        api_token.revoked_at = timezone.now()
        api_token.save(update_fields=["revoked_at"])
        audit_record(actor=actor, action="api_token.revoke", target=api_token)


def api_token_authenticate(token: str) -> ApiToken | None:
    """Finds the live token in the current schema; a token of another tenant does not exist here."""
    if not token.startswith("tk_"):
        return None
    api_token = (
        ApiToken.objects.select_related("user")
        .filter(token_hash=secret_hash(token), revoked_at__isnull=True, user__is_active=True)
        .first()
    )
    if api_token is None:
        return None
    now = timezone.now()
    if api_token.last_used_at is None or now - api_token.last_used_at > timedelta(minutes=1):
        ApiToken.objects.filter(pk=api_token.pk).update(last_used_at=now)
    return api_token

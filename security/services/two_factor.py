"""Two-factor authentication with TOTP apps (django-otp): enrolment, verification, reset."""

from __future__ import annotations

import base64

import segno
from django.db import transaction
from django.http import HttpRequest
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django_otp import login as otp_login
from django_otp.plugins.otp_totp.models import TOTPDevice

from accounts.models import User
from security.actors import Actor
from security.audit import audit_record
from security.errors import SecurityError
from security.models import AccessEventKind, SecurityPolicy
from security.services.access_log import access_event_record

DEVICE_NAME = "aplicativo autenticador"


def two_factor_enabled(user: User) -> bool:
    return TOTPDevice.objects.filter(user=user, confirmed=True).exists()


def two_factor_required(user: User, policy: SecurityPolicy) -> bool:
    return bool(policy.two_factor_roles) and user.role in policy.two_factor_roles


def totp_pending_device(user: User) -> TOTPDevice:
    """The unconfirmed device whose secret the enrolment screen shows, created once."""
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        device = TOTPDevice.objects.create(user=user, name=DEVICE_NAME, confirmed=False)
    return device


def totp_qr_svg(device: TOTPDevice) -> SafeString:
    """The otpauth:// link as an inline SVG QR code, drawn on the server (no third party sees
    the secret)."""
    svg = segno.make(device.config_url, error="m").svg_inline(scale=4, title=_("Código QR"))
    return mark_safe(svg)  # noqa: S308 - segno's own markup, built from our URL


def totp_secret_text(device: TOTPDevice) -> str:
    """The secret in base32, grouped by four, for typing into the app by hand."""
    secret = base64.b32encode(device.bin_key).decode().rstrip("=")
    return " ".join(secret[index : index + 4] for index in range(0, len(secret), 4))


def totp_enrol_confirm(*, actor: Actor, request: HttpRequest, user: User, token: str) -> TOTPDevice:
    device = TOTPDevice.objects.filter(user=user, confirmed=False).order_by("-id").first()
    if device is None:
        raise SecurityError(_("Abra a tela de ativação novamente para gerar um novo código."))
    _refuse_while_throttled(device)
    if not device.verify_token((token or "").strip()):
        raise SecurityError(
            _("Código incorreto. Confira o horário do celular e tente de novo."), field="token"
        )
    with transaction.atomic():
        TOTPDevice.objects.filter(user=user, confirmed=True).delete()
        device.confirmed = True
        device.save(update_fields=["confirmed"])
        audit_record(actor=actor, action="two_factor.enable", target=user)
    otp_login(request, device)
    return device


def _refuse_while_throttled(device: TOTPDevice) -> None:
    # django-otp doubles the wait after each wrong code (1 s, 2 s, 4 s…): say so, rather than
    # report a right code as wrong.
    allowed, _detail = device.verify_is_allowed()
    if not allowed:
        raise SecurityError(
            _("Muitas tentativas seguidas. Aguarde alguns segundos e tente de novo."), field="token"
        )


def totp_verify(*, request: HttpRequest, user: User, token: str) -> bool:
    """Second step of the sign-in: a valid code marks the session as verified."""
    for device in TOTPDevice.objects.filter(user=user, confirmed=True):
        _refuse_while_throttled(device)
        if device.verify_token((token or "").strip()):
            otp_login(request, device)
            access_event_record(request=request, kind=AccessEventKind.OTP_SUCCESS, user=user)
            return True
    access_event_record(request=request, kind=AccessEventKind.OTP_FAILURE, user=user)
    return False


def two_factor_disable(*, actor: Actor, user: User, policy: SecurityPolicy) -> None:
    if two_factor_required(user, policy):
        raise SecurityError(_("A verificação em duas etapas é obrigatória para o seu papel."))
    with transaction.atomic():
        deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
        if deleted:
            audit_record(actor=actor, action="two_factor.disable", target=user)


def two_factor_reset(*, actor: Actor, user: User) -> None:
    """An admin removes a user's authenticator (lost phone); the user enrols again at the next
    sign-in when 2FA is mandatory for them."""
    if actor.user_id == user.pk:
        raise SecurityError(_("Para desativar a sua própria verificação, use a sua tela de 2FA."))
    with transaction.atomic():
        deleted, _detail = TOTPDevice.objects.filter(user=user).delete()
        if not deleted:
            raise SecurityError(_("Este usuário não tem verificação em duas etapas ativa."))
        audit_record(actor=actor, action="two_factor.reset", target=user)

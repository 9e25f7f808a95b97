"""Subscriptions to incident and maintenance notices: e-mail with double opt-in, or webhook.

An e-mail address receives nothing but the confirmation link until its owner confirms it. A
webhook is active once it answers a signed verification ping with 2xx. Links are signed (no
token table): confirmation links expire, unsubscribe links do not.

Every change is audited with the requester (usually anonymous: the IP and user agent say who)
and the subscription's id and kind, never its address: the audit trail cannot be erased, and a
person who unsubscribes must leave no e-mail behind.
"""

from __future__ import annotations

import secrets
from datetime import timedelta

from django.conf import settings
from django.core import signing
from django.core.exceptions import ValidationError
from django.core.mail import send_mail
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _

from controlplane import conf
from controlplane.errors import SubscriptionError
from controlplane.models import StatusSubscription, SubscriptionKind
from controlplane.webhooks import WebhookAddressError, url_check
from security.actors import Actor
from security.audit import audit_record

CONFIRM_SALT = "controlplane.status.confirm"
UNSUBSCRIBE_SALT = "controlplane.status.unsubscribe"
CONFIRM_VALID = timedelta(days=7)
# One confirmation e-mail per address per this interval: the form cannot be used to spam.
RESEND_INTERVAL = timedelta(minutes=10)


def confirm_token(subscription: StatusSubscription) -> str:
    return signing.TimestampSigner(salt=CONFIRM_SALT).sign(str(subscription.pk))


def unsubscribe_token(subscription: StatusSubscription) -> str:
    return signing.Signer(salt=UNSUBSCRIBE_SALT).sign(str(subscription.pk))


def confirm_url(subscription: StatusSubscription) -> str:
    return conf.base_url() + reverse(
        "status:subscription_confirm",
        args=[confirm_token(subscription)],
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


def unsubscribe_url(subscription: StatusSubscription) -> str:
    return conf.base_url() + reverse(
        "status:subscription_cancel",
        args=[unsubscribe_token(subscription)],
        urlconf=settings.PUBLIC_SCHEMA_URLCONF,
    )


def _audit(actor: Actor, action: str, subscription: StatusSubscription, **after: object) -> None:
    audit_record(
        actor=actor,
        action=action,
        target=subscription,
        object_repr=f"{subscription.kind} #{subscription.pk}",
        after={"kind": subscription.kind, **after},
    )


def _send_confirmation(subscription: StatusSubscription) -> None:
    context = {"confirm_url": confirm_url(subscription), "valid_days": CONFIRM_VALID.days}
    send_mail(
        subject=_("Confirme sua inscrição na página de status"),
        message=render_to_string("status/email/confirm.txt", context),
        from_email=None,
        recipient_list=[subscription.email],
    )


def subscription_email_request(*, actor: Actor, email: str) -> StatusSubscription:
    """Creates (or finds) the subscription and sends the confirmation link, at most once per
    RESEND_INTERVAL. The answer is the same whether the address was known or not."""
    email = (email or "").strip().lower()
    try:
        validate_email(email)
    except ValidationError as error:
        raise SubscriptionError(_("Informe um e-mail válido."), field="email") from error
    now = timezone.now()
    with transaction.atomic():
        try:
            subscription, _created = StatusSubscription.objects.select_for_update().get_or_create(
                kind=SubscriptionKind.EMAIL, email=email
            )
        except IntegrityError:  # a concurrent request created it first
            subscription = StatusSubscription.objects.select_for_update().get(
                kind=SubscriptionKind.EMAIL, email=email
            )
        if subscription.disabled_at is not None:
            subscription.disabled_at = None
            subscription.confirmed_at = None
        if subscription.is_active:
            subscription.save()
            _audit(actor, "status.subscription.request", subscription, already_active=True)
            return subscription
        recently = subscription.confirmation_sent_at and (
            now - subscription.confirmation_sent_at < RESEND_INTERVAL
        )
        if not recently:
            subscription.confirmation_sent_at = now
            transaction.on_commit(lambda: _send_confirmation(subscription))
        subscription.save()
        _audit(actor, "status.subscription.request", subscription, confirmation_sent=not recently)
    return subscription


def _from_token(token: str, *, salt: str, max_age: timedelta | None) -> StatusSubscription:
    try:
        if max_age is None:
            value = signing.Signer(salt=salt).unsign(token)
        else:
            value = signing.TimestampSigner(salt=salt).unsign(token, max_age=max_age)
    except signing.SignatureExpired as error:
        raise SubscriptionError(
            _("Este link de confirmação expirou. Inscreva-se de novo para receber outro.")
        ) from error
    except signing.BadSignature as error:
        raise SubscriptionError(_("Link inválido.")) from error
    subscription = StatusSubscription.objects.filter(pk=int(value)).first()
    if subscription is None:
        raise SubscriptionError(_("Esta inscrição não existe mais."))
    return subscription


def subscription_for_confirm_token(token: str) -> StatusSubscription:
    return _from_token(token, salt=CONFIRM_SALT, max_age=CONFIRM_VALID)


def subscription_for_unsubscribe_token(token: str) -> StatusSubscription:
    return _from_token(token, salt=UNSUBSCRIBE_SALT, max_age=None)


def subscription_confirm(*, actor: Actor, token: str) -> StatusSubscription:
    subscription = subscription_for_confirm_token(token)
    if subscription.confirmed_at is None:
        with transaction.atomic():
            subscription.confirmed_at = timezone.now()
            subscription.disabled_at = None
            subscription.save(update_fields=["confirmed_at", "disabled_at"])
            _audit(actor, "status.subscription.confirm", subscription)
    return subscription


def subscription_cancel(*, actor: Actor, token: str) -> None:
    subscription = subscription_for_unsubscribe_token(token)
    with transaction.atomic():
        _audit(actor, "status.subscription.cancel", subscription)
        subscription.delete()


def subscription_webhook_create(*, actor: Actor, url: str) -> StatusSubscription:
    """Registers a webhook and queues its verification ping; returns it with its secret, which
    the caller shows once."""
    url = (url or "").strip()
    try:
        url_check(url)
    except WebhookAddressError as error:
        raise SubscriptionError(str(error), field="url") from error
    try:
        with transaction.atomic():
            subscription = StatusSubscription.objects.create(
                kind=SubscriptionKind.WEBHOOK,
                url=url,
                secret=secrets.token_hex(32),
                confirmation_sent_at=timezone.now(),
            )
            _audit(actor, "status.subscription.webhook_create", subscription)
            from controlplane.tasks import webhook_verify

            transaction.on_commit(lambda: webhook_verify.delay(subscription.pk))
    except IntegrityError as error:
        raise SubscriptionError(_("Este endereço já está inscrito."), field="url") from error
    return subscription

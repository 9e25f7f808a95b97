"""Web Push notifications to agents (6.5.64): subscriptions, and what is sent when.

When: a conversation lands with an agent (assigned by the queue or a supervisor, or transferred
to them), an agent is invited into one by a colleague, and a citizen writes in a conversation the agent already owned, or had been invited
into, when the message arrived (an earlier message is announced by the assignment). The server
always sends; the service worker (static/portal/sw.js) shows the notification only when no
console tab is visible, because a visible console already shows the change live (beep and
list). Deciding on the device, not the server, avoids guessing from SSE connections whether the
screen in someone's pocket is being looked at.

What: the protocol and the channel, never the citizen's words or name: a phone's lock screen is
seen by whoever is near it (LGPD). The payload is encrypted for the browser anyway (RFC 8291,
`aes128gcm`) and signed with our VAPID key (RFC 8292), in the agent's language.

How: the listener runs after the commit (desk.events) and queues a Celery task per event;
the task sends through `pywebpush` with explicit timeouts. A subscription the push service
says is gone (404 or 410) is deleted; other failures are logged and the subscription is kept
(a notification is worth little minutes later, so nothing is retried).
"""

from __future__ import annotations

import base64
import binascii
import ipaddress
import json
import logging
from dataclasses import dataclass
from typing import Any
from urllib.parse import urlsplit

import requests
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric import ec
from django.conf import settings
from django.db import transaction
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from kombu.exceptions import KombuError
from py_vapid import Vapid, b64urlencode

from accounts.models import User
from push.models import PushSubscription
from security.actors import Actor
from security.audit import audit_record

logger = logging.getLogger("push")

# Seconds for the push service to answer (connect, read).
SEND_TIMEOUT = (5, 10)
# Whether the push service still knows the subscription: these mean it never will again.
GONE_STATUSES = frozenset({404, 410})
MAX_SUBSCRIPTIONS_PER_USER = 10
# Routing events (routing.models.EventKind) that hand a conversation to a new owner.
ASSIGNING_EVENTS = frozenset({"assigned", "transferred"})


class PushRefused(Exception):
    """A subscription the server will not store; `message` is for the person."""

    def __init__(self, code: str, message: str, field: str | None = None) -> None:
        super().__init__(message)
        self.code = code
        self.message = message
        self.field = field


# --- VAPID -------------------------------------------------------------------------------------


def _urlsafe_decode(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def vapid_key() -> Vapid | None:
    """The server's VAPID key from WEB_PUSH_VAPID_PRIVATE_KEY, or None when push is off."""
    private = settings.WEB_PUSH_VAPID_PRIVATE_KEY.strip()
    if not private:
        return None
    return Vapid.from_string(private_key=private)


def vapid_public_key() -> str:
    """The application server key the browser subscribes with: base64url of the uncompressed
    P-256 point (65 bytes), or "" when push is off."""
    key = vapid_key()
    if key is None:
        return ""
    raw = key.public_key.public_bytes(
        encoding=serialization.Encoding.X962,
        format=serialization.PublicFormat.UncompressedPoint,
    )
    return b64urlencode(raw)


def vapid_keys_generate() -> tuple[str, str]:
    """A new key pair: (private key as base64url of the 32-byte scalar, public key as above)."""
    private = ec.generate_private_key(ec.SECP256R1())
    scalar = private.private_numbers().private_value.to_bytes(32, "big")
    public = private.public_key().public_bytes(
        encoding=serialization.Encoding.X962,
        format=serialization.PublicFormat.UncompressedPoint,
    )
    return b64urlencode(scalar), b64urlencode(public)


def push_enabled() -> bool:
    return bool(settings.WEB_PUSH_VAPID_PRIVATE_KEY.strip())


# --- subscriptions -----------------------------------------------------------------------------


def _host_allowed(host: str) -> bool:
    return any(
        host == allowed or host.endswith("." + allowed)
        for allowed in (entry.strip().lower() for entry in settings.WEB_PUSH_SERVICE_HOSTS)
        if allowed
    )


def _is_loopback(host: str) -> bool:
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return host == "localhost"


def endpoint_check(endpoint: str) -> str:
    """The endpoint, if it is an https URL of a known push service (the server will POST to
    it, so an arbitrary URL would let anyone make the server call anything)."""
    endpoint = endpoint.strip()
    parts = urlsplit(endpoint)
    host = (parts.hostname or "").lower()
    secure = parts.scheme == "https" or (
        parts.scheme == "http" and settings.WEB_PUSH_ALLOW_HTTP_LOOPBACK and _is_loopback(host)
    )
    if not secure or not host or parts.username or parts.password or not _host_allowed(host):
        raise PushRefused(
            "endpoint_not_allowed",
            _("Este navegador usa um serviço de notificações não aceito."),
            "endpoint",
        )
    return endpoint


def _keys_check(p256dh: str, auth: str) -> None:
    try:
        public = _urlsafe_decode(p256dh.strip())
        secret = _urlsafe_decode(auth.strip())
        ec.EllipticCurvePublicKey.from_encoded_point(ec.SECP256R1(), public)
    except (ValueError, binascii.Error) as error:
        raise PushRefused(
            "invalid_keys", _("As chaves da inscrição são inválidas."), "keys"
        ) from error
    if len(public) != 65 or len(secret) != 16:
        raise PushRefused("invalid_keys", _("As chaves da inscrição são inválidas."), "keys")


def push_subscription_save(
    *, actor: Actor, user: User, endpoint: str, p256dh: str, auth: str, user_agent: str = ""
) -> PushSubscription:
    """Stores (or moves to `user`) the browser's subscription. One browser has one endpoint:
    when another user signs in on the same phone, the subscription becomes theirs."""
    if not push_enabled():
        raise PushRefused("push_disabled", _("As notificações push não estão configuradas."))
    endpoint = endpoint_check(endpoint)
    _keys_check(p256dh, auth)
    with transaction.atomic():
        known = PushSubscription.objects.filter(endpoint=endpoint).exists()
        if not known and (
            PushSubscription.objects.filter(user=user).count() >= MAX_SUBSCRIPTIONS_PER_USER
        ):
            raise PushRefused(
                "too_many_subscriptions",
                _("Você já ativou avisos em %(count)d aparelhos: desative um deles antes.")
                % {"count": MAX_SUBSCRIPTIONS_PER_USER},
            )
        # Backed by the unique endpoint: two posts of the same browser make one row.
        subscription, created = PushSubscription.objects.select_for_update().get_or_create(
            endpoint=endpoint,
            defaults={
                "user": user,
                "p256dh": p256dh.strip(),
                "auth": auth.strip(),
                "user_agent": user_agent[:300],
                "created_at": timezone.now(),
            },
        )
        previous_user = None if created else subscription.user_id
        if not created:
            subscription.user = user
            subscription.p256dh = p256dh.strip()
            subscription.auth = auth.strip()
            subscription.user_agent = user_agent[:300]
            subscription.save(update_fields=["user", "p256dh", "auth", "user_agent"])
        audit_record(
            actor=actor,
            action="push.subscribe",
            target=subscription,
            after={"user": user.pk, "created": created, "previous_user": previous_user},
        )
    return subscription


def push_subscription_delete(*, actor: Actor, user: User, endpoint: str) -> bool:
    """Removes the user's own subscription for this endpoint; False when there was none."""
    with transaction.atomic():
        subscription = PushSubscription.objects.filter(user=user, endpoint=endpoint.strip()).first()
        if subscription is None:
            return False
        audit_record(
            actor=actor,
            action="push.unsubscribe",
            target=subscription,
            before={"user": user.pk},
        )
        subscription.delete()
    return True


# --- sending -----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Notification:
    title: str
    body: str
    url: str
    tag: str

    def as_json(self) -> str:
        return json.dumps(
            {"title": self.title, "body": self.body, "url": self.url, "tag": self.tag},
            ensure_ascii=False,
        )


@dataclass
class SendResult:
    sent: int = 0
    removed: int = 0
    failed: int = 0


def _send_one(
    subscription: PushSubscription, data: str, key: Vapid, session: requests.Session
) -> int | None:
    """Sends one push; the push service's status code, or None when it could not be reached."""
    # Imported here: pywebpush brings aiohttp, which web processes never need at start-up.
    from pywebpush import WebPushException, webpush

    try:
        response = webpush(
            subscription_info={
                "endpoint": subscription.endpoint,
                "keys": {"p256dh": subscription.p256dh, "auth": subscription.auth},
            },
            data=data,
            vapid_private_key=key,
            vapid_claims={"sub": settings.WEB_PUSH_VAPID_SUBJECT},
            content_encoding="aes128gcm",
            ttl=settings.WEB_PUSH_TTL_SECONDS,
            headers={"Urgency": "high"},
            timeout=SEND_TIMEOUT,
            requests_session=session,
        )
    except WebPushException as error:
        return error.response.status_code if error.response is not None else None
    except requests.RequestException:
        return None
    return int(response.status_code) if isinstance(response, requests.Response) else None


def push_notify(*, user_ids: list[int], notification: Notification) -> SendResult:
    """Sends the notification to every subscription of these users."""
    result = SendResult()
    key = vapid_key()
    if key is None or not user_ids:
        return result
    subscriptions = list(PushSubscription.objects.filter(user_id__in=user_ids).order_by("pk"))
    if not subscriptions:
        return result
    data = notification.as_json()
    with requests.Session() as session:
        for subscription in subscriptions:
            status = _send_one(subscription, data, key, session)
            if status is not None and 200 <= status < 300:
                result.sent += 1
                PushSubscription.objects.filter(pk=subscription.pk).update(
                    last_sent_at=timezone.now()
                )
            elif status in GONE_STATUSES:
                result.removed += 1
                PushSubscription.objects.filter(pk=subscription.pk).delete()
            else:
                result.failed += 1
                logger.warning(
                    "web push not accepted",
                    extra={"subscription": subscription.pk, "status": status},
                )
    return result


def _language_of(user_id: int) -> str:
    language = User.objects.filter(pk=user_id).values_list("language", flat=True).first()
    return language or settings.LANGUAGE_CODE


def _conversation_notification(conversation_id: int, title: str) -> Notification | None:
    from desk.models import Conversation

    conversation = Conversation.objects.select_related("channel").filter(pk=conversation_id).first()
    if conversation is None:
        return None
    return Notification(
        title=title,
        body=_("Protocolo %(protocol)s · %(channel)s")
        % {"protocol": conversation.protocol, "channel": conversation.channel.get_type_display()},
        url=reverse("portal_console:conversation", args=[conversation.pk]),
        tag=f"conversation-{conversation.pk}",
    )


def conversation_assigned_notify(*, conversation_id: int, user_id: int) -> SendResult:
    """The conversation is now with this agent (assigned or transferred to them)."""
    with translation.override(_language_of(user_id)):
        notification = _conversation_notification(conversation_id, _("Novo atendimento para você"))
    if notification is None:
        return SendResult()
    return push_notify(user_ids=[user_id], notification=notification)


def conversation_invited_notify(*, conversation_id: int) -> SendResult:
    """The agent just invited into the conversation (the latest invitation) is told."""
    from routing.models import ConversationEvent, ConversationParticipant, EventKind

    invitation = (
        ConversationEvent.objects.filter(conversation_id=conversation_id, kind=EventKind.INVITED)
        .order_by("-at", "-id")
        .first()
    )
    invited_id = (invitation.data or {}).get("invited_id") if invitation else None
    if (
        not isinstance(invited_id, int)
        or not ConversationParticipant.objects.filter(
            conversation_id=conversation_id, user_id=invited_id, left_at__isnull=True
        ).exists()
    ):
        return SendResult()
    with translation.override(_language_of(invited_id)):
        notification = _conversation_notification(
            conversation_id, _("Você foi convidado para um atendimento")
        )
    if notification is None:
        return SendResult()
    return push_notify(user_ids=[invited_id], notification=notification)


def message_received_notify(*, message_id: int) -> SendResult:
    """A citizen wrote: the owner and the invited agents still present are told."""
    from desk.models import Direction, Message
    from routing.models import ConversationParticipant, ConversationRouting, RoutingState

    message = Message.objects.filter(pk=message_id, direction=Direction.INBOUND).first()
    if message is None:
        return SendResult()
    routing = ConversationRouting.objects.filter(pk=message.conversation_id).first()
    if routing is None or routing.state != RoutingState.ASSIGNED or routing.agent_id is None:
        return SendResult()
    # Only who already had the conversation when the citizen wrote: a message from before the
    # assignment is announced by the assignment's own notification.
    recipients: list[int] = []
    if routing.assigned_at is not None and routing.assigned_at <= message.created_at:
        recipients.append(routing.agent_id)
    recipients += ConversationParticipant.objects.filter(
        conversation_id=message.conversation_id,
        left_at__isnull=True,
        joined_at__lte=message.created_at,
    ).values_list("user_id", flat=True)
    total = SendResult()
    for user_id in dict.fromkeys(recipients):
        with translation.override(_language_of(user_id)):
            notification = _conversation_notification(
                message.conversation_id, _("Nova mensagem do cidadão")
            )
        if notification is None:
            continue
        sent = push_notify(user_ids=[user_id], notification=notification)
        total.sent += sent.sent
        total.removed += sent.removed
        total.failed += sent.failed
    return total


def _queue(task_name: str, kwargs: dict[str, Any], schema_name: str) -> None:
    from push import tasks

    try:
        getattr(tasks, task_name).apply_async(kwargs=kwargs, headers={"_schema_name": schema_name})
    except (KombuError, OSError):
        logger.exception("could not queue %s", task_name)


def push_on_event(event_type: str, payload: dict[str, Any], schema_name: str) -> None:
    """desk.events listener, called after commit: queues the sending, decides nothing else."""
    if not push_enabled():
        return
    if event_type == "conversation.routing":
        agent_id = payload.get("agent_id")
        if (
            payload.get("event") in ASSIGNING_EVENTS
            and payload.get("state") == "assigned"
            and agent_id
            and agent_id != payload.get("from_agent_id")
        ):
            _queue(
                "conversation_assigned_push",
                {"conversation_id": payload["conversation_id"], "user_id": agent_id},
                schema_name,
            )
        elif payload.get("event") == "invited":
            _queue(
                "conversation_invited_push",
                {"conversation_id": payload["conversation_id"]},
                schema_name,
            )
    elif event_type == "message.created" and payload.get("direction") == "in":
        _queue("message_received_push", {"message_id": payload["id"]}, schema_name)

"""Who may act on a conversation: its owner, an invited agent, or a supervisor. The services
check it, so the screens and the API apply the same rules."""

from __future__ import annotations

from django.utils.translation import gettext as _

from accounts.models import User
from core.permissions import has_capability
from routing.errors import NotAllowed
from routing.models import ConversationParticipant, ConversationRouting
from security.actors import Actor


def actor_user(actor: Actor) -> User | None:
    if actor.user_id is None:
        return None
    return User.objects.filter(pk=actor.user_id, is_active=True).first()


def can(actor: Actor, capability: str) -> bool:
    """The system (timers, the pipeline) may do anything; a person needs the capability."""
    if actor.user_id is None:
        return True
    return has_capability(actor_user(actor), capability)


def require(actor: Actor, capability: str) -> None:
    if not can(actor, capability):
        raise NotAllowed(_("Seu papel não permite esta operação."), code="forbidden")


def is_participant(actor: Actor, routing: ConversationRouting) -> bool:
    if actor.user_id is None:
        return False
    if routing.agent_id == actor.user_id:
        return True
    return ConversationParticipant.objects.filter(
        conversation_id=routing.conversation_id, user_id=actor.user_id, left_at__isnull=True
    ).exists()


def require_handler(actor: Actor, routing: ConversationRouting) -> None:
    """The owner (with `serve`), or anyone who supervises."""
    if can(actor, "supervise"):
        return
    if actor.user_id is not None and routing.agent_id == actor.user_id and can(actor, "serve"):
        return
    raise NotAllowed(
        _("Somente o atendente responsável ou um supervisor pode fazer isto."),
        code="not_owner",
    )

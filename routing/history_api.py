"""A contact's history as an agent may see it (6.5.36, 6.5.37.3, 6.5.37.4), on the tenant API.

The same rule as the console's contact panel (`routing.services.history`): supervisors see
every conversation of the contact; an agent sees what their teams' history setting allows.
A contact with no conversation the caller may see is a 404, as if it did not exist.
"""

from __future__ import annotations

from django.http import HttpRequest
from django.utils.translation import gettext as _
from ninja import Router
from ninja.errors import HttpError

from accounts.models import User
from core.api import ErrorOut
from core.permissions import has_capability
from desk.api import ConversationOut
from desk.models import Contact, Conversation
from desk.visibility import visible_to
from routing.services.history import contact_history_for

router = Router(tags=["contatos"])


@router.get(
    "/contacts/{contact_id}/history",
    response={200: list[ConversationOut], 404: ErrorOut},
    summary="Histórico de atendimentos do contato visível para mim",
)
def contact_history(
    request: HttpRequest, contact_id: int, current_conversation_id: int | None = None
) -> list[Conversation]:
    """The contact's conversations on every channel, newest first, as far as the caller's
    teams allow (only the current one, those of the teams the agent is logged into, or all).
    `current_conversation_id` names the conversation the agent is serving: it is always
    included."""
    user: User = request.user  # type: ignore[assignment]
    if not has_capability(user, "serve"):
        raise HttpError(403, _("Seu papel não permite esta operação."))
    visible = visible_to(user).conversations(Conversation.objects.filter(contact_id=contact_id))
    contact = Contact.objects.filter(pk=contact_id).first()
    if contact is None or not visible.exists():
        raise HttpError(404, _("Contato não encontrado."))
    if (
        current_conversation_id is not None
        and not visible.filter(pk=current_conversation_id).exists()
    ):
        raise HttpError(404, _("Atendimento não encontrado."))
    return list(contact_history_for(user, contact, current_id=current_conversation_id))

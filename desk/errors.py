"""Errors the desk services raise; `message` is shown to the person as is (pt-BR)."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _

from channels.providers.errors import SessionWindowClosed

# One text for both ways an agent learns the 24-hour window is closed: our refusal before
# queuing, and WhatsApp's error 131047 when the provider refuses it after the fact (6.6.3.7).
SESSION_WINDOW_CLOSED_MESSAGE = SessionWindowClosed.user_message
TEMPLATES_NOT_ALLOWED_MESSAGE = _(
    "O limite contratado de mensagens foi atingido e o contrato não permite novos envios de "
    "modelos (templates). Procure o gestor do contrato."
)


class DeskError(Exception):
    """A desk rule was broken. `code` is stable for programs, `field` names the bad input."""

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class MessageRefused(DeskError):
    """An outbound message was refused before anything was queued."""


class PermanentProcessingError(Exception):
    """An inbox event that no retry can process (its channel is gone, its body is not the
    provider's shape): recorded as failed, not retried."""

"""Errors the routing services raise; `message` is shown to the person as is (pt-BR)."""

from __future__ import annotations

from desk.errors import MessageRefused


class RoutingError(Exception):
    """A routing rule was broken; nothing was changed. `code` is stable for programs, `field`
    names the bad input, `status` is the HTTP status the API answers with."""

    status = 400

    def __init__(self, message: str, *, code: str, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.code = code
        self.field = field


class NotAllowed(RoutingError):
    """The person may not do this to this conversation (not theirs, not a supervisor)."""

    status = 403


class Conflict(RoutingError):
    """The conversation or agent is not in a state that allows it (already closed, paused…)."""

    status = 409


class BlockedWordsRefused(MessageRefused):
    """6.5.55: an agent's message contains words of the blocked list; nothing was queued.
    `words` are the offending entries as the admin wrote them."""

    def __init__(self, message: str, *, words: list[str]) -> None:
        super().__init__(message, code="blocked_words", field="text")
        self.words = words

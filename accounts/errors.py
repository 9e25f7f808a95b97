from __future__ import annotations


class AccountError(Exception):
    """A user-management rule was broken; `message` is shown to the person as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class InvitationInvalid(AccountError):
    pass

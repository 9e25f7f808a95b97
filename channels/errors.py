from __future__ import annotations


class ChannelError(Exception):
    """A channel configuration rule was broken; `message` is shown to the admin as is (pt-BR).

    `field` names the bad input for forms and the API (`{"detail", "field"}`).
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field

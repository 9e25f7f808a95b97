"""Errors the portal's own services raise; `message` is shown to the person as is."""

from __future__ import annotations


class PortalRefused(Exception):
    """A rule of the portal refused the request; nothing was written."""

    def __init__(self, message: str, *, code: str) -> None:
        super().__init__(message)
        self.message = message
        self.code = code


class ChatRefused(PortalRefused):
    """An internal chat message was refused."""


class StartRefused(PortalRefused):
    """A conversation could not be started with the contact."""

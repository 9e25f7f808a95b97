"""Errors of the analytics app, with messages fit to show a user."""

from __future__ import annotations

from django.utils.translation import gettext_lazy as _


class AnalyticsError(Exception):
    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class AnalyticsUnavailable(AnalyticsError):
    """ClickHouse cannot be reached (or answered with an error): reports cannot run now.
    PostgreSQL is unaffected, and the export catches up when ClickHouse is back."""

    def __init__(self, detail: str = "") -> None:
        super().__init__(
            str(
                _(
                    "O serviço de relatórios está indisponível no momento. "
                    "Tente novamente em alguns minutos."
                )
            )
        )
        self.detail = detail


class SourceError(AnalyticsError):
    """A registered export source is misdeclared (a programming error, raised at startup)."""

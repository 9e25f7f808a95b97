"""WebChat: our own embeddable widget."""

from channels.providers.webchat.adapter import WebChatAdapter, WebChatMediaStore
from channels.providers.webchat.credentials import WebChatCredentials
from channels.providers.webchat.origins import normalize_origin, origin_allowed
from channels.providers.webchat.tokens import (
    VisitorClaims,
    issue_visitor_token,
    new_visitor_id,
    verify_visitor_token,
)

__all__ = [
    "VisitorClaims",
    "WebChatAdapter",
    "WebChatCredentials",
    "WebChatMediaStore",
    "issue_visitor_token",
    "new_visitor_id",
    "normalize_origin",
    "origin_allowed",
    "verify_visitor_token",
]

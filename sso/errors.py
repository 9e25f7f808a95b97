from __future__ import annotations


class SsoError(Exception):
    """A rule of SSO configuration or provisioning was broken; `message` is shown as is."""

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


class SamlLoginRefused(SsoError):
    """A SAML response was not accepted. `reason` is a stable code for the audit trail."""

    def __init__(self, message: str, *, reason: str) -> None:
        super().__init__(message)
        self.reason = reason


class ScimError(Exception):
    """An error answered in the SCIM error format (RFC 7644 section 3.12)."""

    def __init__(self, status: int, detail: str, *, scim_type: str | None = None) -> None:
        super().__init__(detail)
        self.status = status
        self.detail = detail
        self.scim_type = scim_type

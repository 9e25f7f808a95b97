"""What a WhatsApp Cloud API channel needs to receive and send."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class WhatsAppCredentials:
    """One business phone number on the Cloud API.

    `app_secret` signs the webhooks (X-Hub-Signature-256) and `verify_token` answers Meta's
    subscription handshake; both belong to the Meta app, the rest to the phone number.
    """

    phone_number_id: str
    business_account_id: str
    access_token: str = field(repr=False)
    app_secret: str = field(repr=False)
    verify_token: str = field(repr=False)
    api_base_url: str = "https://graph.facebook.com"
    api_version: str = "v21.0"

    def graph_url(self, *path: str) -> str:
        return "/".join([self.api_base_url.rstrip("/"), self.api_version, *path])

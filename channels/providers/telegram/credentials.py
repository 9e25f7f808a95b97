"""What a Telegram bot channel needs to receive and send."""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class TelegramCredentials:
    """One bot. `secret_token` is the value we registered with `setWebhook`; Telegram echoes it
    in `X-Telegram-Bot-Api-Secret-Token` on every webhook call."""

    bot_token: str = field(repr=False)
    secret_token: str = field(repr=False)
    api_base_url: str = "https://api.telegram.org"

    @property
    def bot_id(self) -> str:
        """The numeric prefix of the token (`123456:ABC...`), which is the bot's user id."""
        return self.bot_token.split(":", 1)[0]

    def method_url(self, method: str) -> str:
        return f"{self.api_base_url.rstrip('/')}/bot{self.bot_token}/{method}"

    def file_url(self, file_path: str) -> str:
        return f"{self.api_base_url.rstrip('/')}/file/bot{self.bot_token}/{file_path}"

"""Telegram Bot API provider."""

from channels.providers.telegram.adapter import TelegramAdapter
from channels.providers.telegram.credentials import TelegramCredentials

__all__ = ["TelegramAdapter", "TelegramCredentials"]

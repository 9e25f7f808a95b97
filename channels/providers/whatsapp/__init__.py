"""WhatsApp Cloud API (Meta) provider."""

from channels.providers.whatsapp.adapter import WhatsAppAdapter
from channels.providers.whatsapp.credentials import WhatsAppCredentials

__all__ = ["WhatsAppAdapter", "WhatsAppCredentials"]

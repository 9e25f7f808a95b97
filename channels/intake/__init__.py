"""Webhook intake (public schema): routing table, raw event inbox, the webhook views."""

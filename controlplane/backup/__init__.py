"""Encrypted per-schema backups and verified restores (REQ 6.2.14)."""

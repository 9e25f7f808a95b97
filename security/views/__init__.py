"""Screens of the security app: the user's own (password, 2FA) and the admin's."""

"""Model fields for personal data at rest."""

from __future__ import annotations

from typing import Any

from django.db import models
from django.db.models import Lookup

from security import crypto


class EncryptedTextField(models.TextField):
    """Text stored as a Fernet token and read back as plaintext (6.5.23.12).

    Ciphertext is randomized, so the database cannot compare values: only `isnull` is allowed
    as a lookup. Search by value through a `crypto.BlindIndex` column beside this one. The empty
    string is stored as is, so "not filled in" stays cheap to test.
    """

    description = "Texto cifrado em repouso"

    def from_db_value(self, value: str | None, expression: Any, connection: Any) -> str | None:
        if value is None or value == "":
            return value
        return crypto.decrypt(value)

    def get_prep_value(self, value: Any) -> Any:
        value = super().get_prep_value(value)
        if value is None or value == "":
            return value
        return crypto.encrypt(str(value))

    def get_lookup(self, lookup_name: str) -> type[Lookup] | None:
        if lookup_name != "isnull":
            return None
        return super().get_lookup(lookup_name)

    def deconstruct(self) -> Any:
        name, _path, args, kwargs = super().deconstruct()
        return name, "security.fields.EncryptedTextField", args, kwargs

"""Re-encrypts every EncryptedTextField value under the first key of FIELD_ENCRYPTION_KEYS.

Key rotation: put the new key first in FIELD_ENCRYPTION_KEYS (keep the old ones after it),
deploy, run this command, then remove the old keys. Runs in every schema (public, template and
each tenant), in batches, one transaction per batch.
"""

from __future__ import annotations

from typing import Any

from django.apps import apps
from django.core.management.base import BaseCommand, CommandParser
from django.db import models, transaction
from django_tenants.utils import schema_context

from security import crypto
from security.fields import EncryptedTextField
from security.management.commands.audit_verify import audited_schemas

BATCH = 500


def encrypted_fields() -> list[tuple[type[models.Model], list[str]]]:
    found = []
    for model in apps.get_models():
        names = [
            field.attname
            for field in model._meta.concrete_fields
            if isinstance(field, EncryptedTextField)
        ]
        if names and not model._meta.proxy:
            found.append((model, names))
    return found


def _table_exists(model: type[models.Model]) -> bool:
    from django.db import connection

    return model._meta.db_table in connection.introspection.table_names()


def rotate_model(model: type[models.Model], names: list[str]) -> int:
    """Re-seals the rows of one model in the current schema; returns how many changed."""
    changed = 0
    pks = list(model._default_manager.order_by("pk").values_list("pk", flat=True))
    for start in range(0, len(pks), BATCH):
        with transaction.atomic():
            batch = list(
                model._default_manager.select_for_update().filter(pk__in=pks[start : start + BATCH])
            )
            # Reading decrypted with any key; saving encrypts with the first one.
            model._default_manager.bulk_update(batch, names)
            changed += len(batch)
    return changed


class Command(BaseCommand):
    help = "Recifra os campos cifrados com a primeira chave de FIELD_ENCRYPTION_KEYS."

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--generate-key",
            action="store_true",
            help="Só mostrar uma chave nova para FIELD_ENCRYPTION_KEYS.",
        )

    def handle(self, *args: Any, **options: Any) -> None:
        if options["generate_key"]:
            self.stdout.write(crypto.new_key())
            return
        total = 0
        fields = encrypted_fields()
        for schema in audited_schemas():
            with schema_context(schema):
                for model, names in fields:
                    if not _table_exists(model):
                        continue
                    count = rotate_model(model, names)
                    total += count
                    if count:
                        self.stdout.write(f"{schema}: {model._meta.label} {count} linha(s)")
        self.stdout.write(self.style.SUCCESS(f"{total} linha(s) recifrada(s)"))

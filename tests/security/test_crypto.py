"""Encryption at rest of sensitive fields with key rotation, and keyed lookup hashes
(6.5.23.12)."""

from __future__ import annotations

import os
import subprocess
import threading
from collections.abc import Callable
from typing import Any, TypeVar

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import FieldError, ImproperlyConfigured
from django.core.management import call_command
from django.db import connection, connections
from django_tenants.utils import schema_context

from core.validators import only_digits
from security import crypto
from security.actors import Actor
from security.models import SecurityPolicy
from security.services.policy import policy_update
from tenants.models import Tenant

CPF = "529.982.247-25"
T = TypeVar("T")


def raw_secret(schema: str) -> str:
    """The column as stored, bypassing the field's decryption."""
    with schema_context(schema), connection.cursor() as cursor:
        cursor.execute("SELECT recaptcha_secret_key FROM security_securitypolicy WHERE id = 1")
        return str(cursor.fetchone()[0])


@pytest.mark.req("6.5.23.12")
def test_values_are_sealed_randomized_and_tamper_evident(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = [Fernet.generate_key().decode()]

    first, second = crypto.encrypt(CPF), crypto.encrypt(CPF)
    tampered = first[:-4] + ("AAAA" if not first.endswith("AAAA") else "BBBB")

    assert CPF not in first
    assert first != second
    assert crypto.decrypt(first) == CPF
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(tampered)


@pytest.mark.req("6.5.23.12")
def test_key_rotation_old_keys_decrypt_the_first_encrypts(settings: Any) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    sealed_with_old = crypto.encrypt(CPF)

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    readable_during_rotation = crypto.decrypt(sealed_with_old)
    resealed = crypto.reencrypt(sealed_with_old)

    settings.FIELD_ENCRYPTION_KEYS = [new]
    assert readable_during_rotation == CPF
    assert crypto.is_current(resealed)
    assert crypto.decrypt(resealed) == CPF
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed_with_old)


@pytest.mark.req("6.5.23.12")
def test_keys_are_required_in_production(settings: Any) -> None:
    settings.PRODUCTION = True
    settings.FIELD_ENCRYPTION_KEYS = []
    settings.FIELD_BLIND_INDEX_KEY = ""

    with pytest.raises(ImproperlyConfigured):
        crypto.encrypt(CPF)
    with pytest.raises(ImproperlyConfigured):
        crypto.BlindIndex("cpf").digest(CPF)


@pytest.mark.req("6.5.23.12")
def test_development_key_is_derived_from_the_secret_key(settings: Any) -> None:
    settings.FIELD_ENCRYPTION_KEYS = []
    sealed = crypto.encrypt(CPF)

    settings.SECRET_KEY = "outra-chave-secreta-de-desenvolvimento-0123456789"
    with pytest.raises(crypto.DecryptionError):
        crypto.decrypt(sealed)


@pytest.mark.req("6.5.23.12")
def test_blind_index_finds_equal_values_without_revealing_them(settings: Any) -> None:
    settings.FIELD_BLIND_INDEX_KEY = "chave-do-indice-cego-de-teste"
    cpf_index = crypto.BlindIndex("cpf", normalize=only_digits)

    formatted, digits = cpf_index.digest(CPF), cpf_index.digest("52998224725")
    other_purpose = crypto.BlindIndex("documento", normalize=only_digits).digest(CPF)
    settings.FIELD_BLIND_INDEX_KEY = "outra-chave"
    other_key = cpf_index.digest(CPF)

    assert formatted == digits
    assert len(formatted) == 64
    assert "52998224725" not in formatted
    assert other_purpose != formatted
    assert other_key != formatted
    assert cpf_index.matches("529 982 247 25", other_key)


@pytest.mark.req("6.5.23.12")
def test_encrypted_field_round_trips_and_refuses_value_lookups(tenant_alfa: Tenant) -> None:
    with schema_context(tenant_alfa.schema_name):
        policy_update(actor=Actor.command("tests"), changes={"recaptcha_secret_key": CPF})

        stored = raw_secret(tenant_alfa.schema_name)
        assert CPF not in stored
        assert crypto.decrypt(stored) == CPF
        assert SecurityPolicy.objects.get().recaptcha_secret_key == CPF
        assert SecurityPolicy.objects.filter(recaptcha_secret_key__isnull=False).count() == 1
        with pytest.raises(FieldError):
            SecurityPolicy.objects.filter(recaptcha_secret_key=CPF).count()


@pytest.mark.req("6.5.23.12")
def test_rotate_field_keys_reseals_every_schema(
    tenant_alfa: Tenant, tenant_beta: Tenant, settings: Any
) -> None:
    old, new = Fernet.generate_key().decode(), Fernet.generate_key().decode()
    settings.FIELD_ENCRYPTION_KEYS = [old]
    for tenant in (tenant_alfa, tenant_beta):
        with schema_context(tenant.schema_name):
            policy_update(
                actor=Actor.command("tests"),
                changes={"recaptcha_secret_key": f"segredo-{tenant.slug}"},
            )

    settings.FIELD_ENCRYPTION_KEYS = [new, old]
    call_command("rotate_field_keys", stdout=open(os.devnull, "w"))  # noqa: SIM115
    settings.FIELD_ENCRYPTION_KEYS = [new]

    for tenant in (tenant_alfa, tenant_beta):
        stored = raw_secret(tenant.schema_name)
        assert crypto.is_current(stored)
        assert crypto.decrypt(stored) == f"segredo-{tenant.slug}"


def in_own_connection(work: Callable[[], T]) -> T:
    """Runs `work` on a fresh database connection (a thread has its own), so it commits where
    pg_dump can see it, outside the test's transaction."""
    outcome: dict[str, Any] = {}

    def run() -> None:
        try:
            outcome["value"] = work()
        except BaseException as error:  # re-raised in the test's thread
            outcome["error"] = error
        finally:
            connections.close_all()

    thread = threading.Thread(target=run)
    thread.start()
    thread.join()
    if "error" in outcome:
        raise outcome["error"]
    return outcome["value"]


def pg_dump(schema: str) -> bytes:
    database = connection.settings_dict
    env = {**os.environ, "PGPASSWORD": str(database.get("PASSWORD") or "")}
    command = [
        "pg_dump",
        "--schema",
        schema,
        "--no-owner",
        "--dbname",
        str(database["NAME"]),
        "--username",
        str(database.get("USER") or "postgres"),
    ]
    if database.get("HOST"):
        command += ["--host", str(database["HOST"])]
    if database.get("PORT"):
        command += ["--port", str(database["PORT"])]
    return subprocess.run(command, check=True, capture_output=True, env=env, timeout=120).stdout


@pytest.mark.req("6.5.23.12")
def test_a_raw_dump_of_the_tenant_schema_has_no_plaintext_cpf(tenant_alfa: Tenant) -> None:
    def save() -> None:
        # Straight through the ORM (no audit entry, which would outlive the test).
        with schema_context(tenant_alfa.schema_name):
            SecurityPolicy.objects.update_or_create(
                pk=SecurityPolicy.SINGLETON_ID, defaults={"recaptcha_secret_key": CPF}
            )

    def remove() -> None:
        with schema_context(tenant_alfa.schema_name):
            SecurityPolicy.objects.filter(pk=SecurityPolicy.SINGLETON_ID).delete()

    in_own_connection(save)
    try:
        dump = pg_dump(tenant_alfa.schema_name)
        read_back = in_own_connection(lambda: _read_secret(tenant_alfa))
    finally:
        in_own_connection(remove)

    assert b"security_securitypolicy" in dump
    assert b"gAAAAA" in dump  # the Fernet token is there…
    assert CPF.encode() not in dump  # …and the CPF is not, in any spelling
    assert b"52998224725" not in dump
    assert read_back == CPF


def _read_secret(tenant: Tenant) -> str:
    with schema_context(tenant.schema_name):
        return SecurityPolicy.objects.get().recaptcha_secret_key

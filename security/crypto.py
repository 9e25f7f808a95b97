"""Encryption of personal data at rest (6.5.23.12) and keyed lookup hashes.

Values are sealed with Fernet (AES-128-CBC plus HMAC-SHA256: authenticated, so a tampered
ciphertext fails to open instead of decrypting to garbage). Keys come from the environment:
`FIELD_ENCRYPTION_KEYS` is a comma-separated list; the first key encrypts, every key decrypts
(`MultiFernet`), so a new key is put first, `manage.py rotate_field_keys` re-seals the rows and
the old key is then dropped. Outside production, a key derived from SECRET_KEY is used when none
is configured, so development needs no setup; production refuses to start a write without keys.

Ciphertext is randomized, so equal values never look equal in the database. Exact lookup (find a
contact by CPF) uses a `BlindIndex`: an HMAC-SHA256 of the normalized value under a separate key
(`FIELD_BLIND_INDEX_KEY`), stored beside the ciphertext and indexed.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
from collections.abc import Callable
from functools import lru_cache

from cryptography.fernet import Fernet, InvalidToken, MultiFernet
from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF
from django.conf import settings
from django.core.exceptions import ImproperlyConfigured


class DecryptionError(Exception):
    """A stored value could not be opened with any configured key (wrong key or tampering)."""


def _derive(secret: str, purpose: bytes) -> bytes:
    derived = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=purpose).derive(
        secret.encode()
    )
    return base64.urlsafe_b64encode(derived)


def _configured_keys() -> tuple[str, ...]:
    raw = getattr(settings, "FIELD_ENCRYPTION_KEYS", ()) or ()
    if isinstance(raw, str):
        raw = raw.split(",")
    return tuple(key.strip() for key in raw if key and key.strip())


def encryption_keys() -> tuple[bytes, ...]:
    """The Fernet keys in force, the encrypting one first."""
    keys = _configured_keys()
    if keys:
        return tuple(key.encode() for key in keys)
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("FIELD_ENCRYPTION_KEYS must be set in production")
    return (_derive(settings.SECRET_KEY, b"field-encryption"),)


@lru_cache(maxsize=8)
def _multifernet(keys: tuple[bytes, ...]) -> MultiFernet:
    try:
        return MultiFernet([Fernet(key) for key in keys])
    except ValueError as error:
        raise ImproperlyConfigured(
            "FIELD_ENCRYPTION_KEYS must hold Fernet keys (32 url-safe base64-encoded bytes); "
            "generate one with `manage.py rotate_field_keys --generate-key`"
        ) from error


def _cipher() -> MultiFernet:
    # Keyed by the settings' value, so a test that overrides the keys gets a fresh cipher.
    return _multifernet(encryption_keys())


def encrypt(plaintext: str) -> str:
    return _cipher().encrypt(plaintext.encode()).decode("ascii")


def decrypt(token: str) -> str:
    try:
        return _cipher().decrypt(token.encode("ascii")).decode()
    except (InvalidToken, UnicodeEncodeError) as error:
        raise DecryptionError("value cannot be decrypted with the configured keys") from error


def reencrypt(token: str) -> str:
    """Seals an existing ciphertext again under the first (current) key."""
    try:
        return _cipher().rotate(token.encode("ascii")).decode("ascii")
    except InvalidToken as error:
        raise DecryptionError("value cannot be decrypted with the configured keys") from error


def is_current(token: str) -> bool:
    """True when the ciphertext already opens with the first key."""
    try:
        Fernet(encryption_keys()[0]).decrypt(token.encode("ascii"))
    except InvalidToken:
        return False
    return True


def new_key() -> str:
    return Fernet.generate_key().decode("ascii")


def blind_index_key() -> bytes:
    configured = (getattr(settings, "FIELD_BLIND_INDEX_KEY", "") or "").strip()
    if configured:
        return configured.encode()
    if getattr(settings, "PRODUCTION", False):
        raise ImproperlyConfigured("FIELD_BLIND_INDEX_KEY must be set in production")
    return _derive(settings.SECRET_KEY, b"blind-index")


class BlindIndex:
    """A keyed hash for exact lookup of an encrypted value, never reversible without the key.

    `purpose` separates indexes (the same CPF hashes differently as "cpf" and as "document"),
    and `normalize` makes equal values equal ("529.982.247-25" and "52998224725").

        CPF_INDEX = BlindIndex("cpf", normalize=only_digits)
        Contact.objects.filter(cpf_index=CPF_INDEX.digest(typed_cpf))
    """

    length = 64  # hex characters of SHA-256: the size of the column that stores it

    def __init__(self, purpose: str, normalize: Callable[[str], str] = str.strip) -> None:
        if not purpose:
            raise ValueError("a blind index needs a purpose")
        self.purpose = purpose
        self.normalize = normalize

    def digest(self, value: str) -> str:
        normalized = self.normalize(value or "")
        message = self.purpose.encode() + b"\x00" + normalized.encode()
        return hmac.new(blind_index_key(), message, hashlib.sha256).hexdigest()

    def matches(self, value: str, digest: str) -> bool:
        return hmac.compare_digest(self.digest(value), digest)

"""Streaming authenticated encryption for backup files (AES-256-GCM in 1 MiB chunks).

File layout: MAGIC, 8-byte key id, 8-byte file nonce prefix, then chunks of
[4-byte length][ciphertext+tag]. Chunk i uses nonce = prefix || i (4 bytes) and authenticates
MAGIC || final-flag as associated data, so reordering, truncation or a wrong key is detected
rather than restored. The key is BACKUP_ENCRYPTION_KEY: 32 bytes, URL-safe base64 (a Fernet key
has this shape: `python -c "from cryptography.fernet import Fernet; print(Fernet.generate_key())"`).
"""

from __future__ import annotations

import base64
import binascii
import hashlib
import os
import struct
from collections.abc import Iterator
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

MAGIC = b"CPBACKUP1\n"
CHUNK_SIZE = 1024 * 1024
_LENGTH = struct.Struct(">I")
_MAX_CHUNKS = 2**32 - 1


class BackupCryptoError(ValueError):
    pass


def parse_key(encoded: str) -> bytes:
    try:
        key = base64.urlsafe_b64decode(encoded.strip().encode())
    except (binascii.Error, ValueError) as error:
        raise BackupCryptoError("BACKUP_ENCRYPTION_KEY is not valid URL-safe base64") from error
    if len(key) != 32:
        raise BackupCryptoError("BACKUP_ENCRYPTION_KEY must decode to 32 bytes")
    return key


def key_id(key: bytes) -> bytes:
    return hashlib.sha256(b"backup-key-id" + key).digest()[:8]


def _nonce(prefix: bytes, index: int) -> bytes:
    if index > _MAX_CHUNKS:
        raise BackupCryptoError("backup too large for one file")
    return prefix + struct.pack(">I", index)


def _chunks(source: BinaryIO) -> Iterator[tuple[bytes, bool]]:
    """Yields (chunk, is_last); an empty source yields one empty last chunk."""
    current = source.read(CHUNK_SIZE)
    while True:
        following = source.read(CHUNK_SIZE)
        yield current, not following
        if not following:
            return
        current = following


def encrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    cipher = AESGCM(key)
    prefix = os.urandom(8)
    target.write(MAGIC + key_id(key) + prefix)
    for index, (chunk, last) in enumerate(_chunks(source)):
        sealed = cipher.encrypt(
            _nonce(prefix, index), chunk, MAGIC + (b"\x01" if last else b"\x00")
        )
        target.write(_LENGTH.pack(len(sealed)) + sealed)


def decrypt_stream(source: BinaryIO, target: BinaryIO, key: bytes) -> None:
    header = source.read(len(MAGIC) + 16)
    if len(header) != len(MAGIC) + 16 or not header.startswith(MAGIC):
        raise BackupCryptoError("not a backup file of this platform")
    if header[len(MAGIC) : len(MAGIC) + 8] != key_id(key):
        raise BackupCryptoError("the backup was encrypted with another key")
    prefix = header[len(MAGIC) + 8 :]
    cipher = AESGCM(key)
    index = 0
    while True:
        length_bytes = source.read(_LENGTH.size)
        if len(length_bytes) != _LENGTH.size:
            raise BackupCryptoError("backup file is truncated")
        (length,) = _LENGTH.unpack(length_bytes)
        sealed = source.read(length)
        if len(sealed) != length:
            raise BackupCryptoError("backup file is truncated")
        nonce = _nonce(prefix, index)
        try:
            chunk = cipher.decrypt(nonce, sealed, MAGIC + b"\x01")
            last = True
        except InvalidTag:
            try:
                chunk = cipher.decrypt(nonce, sealed, MAGIC + b"\x00")
            except InvalidTag as error:
                raise BackupCryptoError("backup file is corrupt or was altered") from error
            last = False
        target.write(chunk)
        if last:
            if source.read(1):
                raise BackupCryptoError("unexpected data after the last chunk")
            return
        index += 1


def encrypt_bytes(data: bytes, key: bytes) -> bytes:
    import io

    target = io.BytesIO()
    encrypt_stream(io.BytesIO(data), target, key)
    return target.getvalue()


def decrypt_bytes(data: bytes, key: bytes) -> bytes:
    import io

    target = io.BytesIO()
    decrypt_stream(io.BytesIO(data), target, key)
    return target.getvalue()

"""Personal data under per-grievance data keys (AES-256-GCM), wrapped by a master key.

Erasing personal data deletes the data key (crypto-shredding): the log stays whole and
what it holds of that person can no longer be read.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass
from pathlib import Path

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.kit.settings import ConfigurationError, Settings

NONCE = 12


class KeyErased(LookupError):
    """The data key is gone: the data it sealed was erased."""


@dataclass(frozen=True)
class DataKey:
    key_id: str
    secret: bytes

    def seal(self, plaintext: bytes) -> Sealed:
        nonce = os.urandom(NONCE)
        ct = AESGCM(self.secret).encrypt(nonce, plaintext, self.key_id.encode())
        return Sealed(key_id=self.key_id, ciphertext=base64.b64encode(nonce + ct).decode())

    def open(self, sealed: Sealed) -> bytes:
        raw = base64.b64decode(sealed.ciphertext)
        return AESGCM(self.secret).decrypt(raw[:NONCE], raw[NONCE:], sealed.key_id.encode())


class Keyring:
    """Data keys in `keyring.data_keys`, each wrapped by the master key."""

    def __init__(self, master_key: bytes) -> None:
        if len(master_key) != 32:
            raise ConfigurationError("REDRESS_MASTER_KEY must be 32 bytes, base64-encoded")
        self._master = AESGCM(master_key)

    async def create(self, conn: Conn, key_id: str, tenant: str) -> DataKey:
        secret = AESGCM.generate_key(bit_length=256)
        nonce = os.urandom(NONCE)
        wrapped = nonce + self._master.encrypt(nonce, secret, key_id.encode())
        await conn.execute(
            "INSERT INTO keyring.data_keys (key_id, tenant, wrapped) VALUES ($1, $2, $3)",
            key_id,
            tenant,
            wrapped,
        )
        return DataKey(key_id, secret)

    async def get(self, conn: Conn, key_id: str) -> DataKey:
        wrapped = await conn.fetchval(
            "SELECT wrapped FROM keyring.data_keys WHERE key_id = $1", key_id
        )
        if wrapped is None:
            raise KeyErased(key_id)
        secret = self._master.decrypt(wrapped[:NONCE], wrapped[NONCE:], key_id.encode())
        return DataKey(key_id, secret)

    async def erase(self, conn: Conn, key_id: str) -> bool:
        done = await conn.execute("DELETE FROM keyring.data_keys WHERE key_id = $1", key_id)
        return bool(done.endswith(" 1"))

    async def open(self, conn: Conn, sealed: Sealed | None) -> bytes | None:
        """The plaintext, or None when there is nothing or it was erased."""
        if sealed is None:
            return None
        try:
            return (await self.get(conn, sealed.key_id)).open(sealed)
        except KeyErased:
            return None


def master_key(settings: Settings) -> bytes:
    """The master key from REDRESS_MASTER_KEY; in dev mode, one kept under the data folder."""
    if settings.master_key is not None:
        try:
            return base64.b64decode(settings.master_key.get_secret_value(), validate=True)
        except ValueError:
            raise ConfigurationError("REDRESS_MASTER_KEY is not valid base64") from None
    if not settings.dev:
        raise ConfigurationError("REDRESS_MASTER_KEY is required outside dev mode")
    path: Path = settings.data_dir / "master.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.touch(mode=0o600)
        path.write_text(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode())
    return base64.b64decode(path.read_text())

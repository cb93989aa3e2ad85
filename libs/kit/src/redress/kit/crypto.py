"""Personal data under per-grievance data keys (AES-256-GCM), wrapped by a rotating KEK.

Erasing personal data deletes the data key (crypto-shredding): the log stays whole and
what it holds of that person can no longer be read.
"""

from __future__ import annotations

import base64
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.kit.keyset import KeysetFile

NONCE = 12


def grievance_key_id(grievance_id: object) -> str:
    """The id of the data key that seals one grievance's personal data (ADR 0011).

    Part of the platform's contract: intake creates the key under this id, cases and the
    erasure paths look it up by it, and every sealed value carries it as its AEAD associated
    data, so it never changes for a grievance already sealed.
    """
    return f"grievance-{grievance_id}"


def evidence_key_id(assessment_id: str) -> str:
    """The id of the data key that seals the evidence files of one assessment.

    The same contract as `grievance_key_id`: assessment creates the key under this id and
    every sealed file carries it as associated data, so it never changes.
    """
    return f"evidence-{assessment_id}"


class KeyErased(LookupError):
    """The data key is gone: the data it sealed was erased."""


class DataKeyExists(Exception):
    """A data key was asked for under an id that has one: another write made it first."""


# The KEK locked as a foreign key's check locks it: a rotation's delete of it waits for the
# transaction, or, if it came first, leaves `kek` false and nothing written.
_CREATE = """
WITH kek AS (SELECT kek_id FROM keyring.keks WHERE kek_id = $4 FOR KEY SHARE),
     created AS (
         INSERT INTO keyring.data_keys (key_id, tenant, wrapped, kek_id)
         SELECT $1, $2, $3, kek_id FROM kek
         ON CONFLICT (key_id) DO NOTHING
         RETURNING 1)
SELECT EXISTS (SELECT FROM kek) AS kek, EXISTS (SELECT FROM created) AS created
"""


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
    """Data keys in `keyring.data_keys`, each wrapped by a key-encryption key of the keyset.

    Each row names the KEK it is wrapped under (`kek_id`, a foreign key to `keyring.keks`),
    so that a rotation knows when no row needs an old KEK any more.
    """

    def __init__(self, keys: KeysetFile) -> None:
        self.keys = keys

    async def create(self, conn: Conn, key_id: str, tenant: str) -> DataKey:
        """A new data key, recorded on `conn`; `DataKeyExists` if `key_id` has one already.

        One statement and no savepoint (two round trips fewer for every grievance filed): the
        key is written only if its KEK is still recorded, holding that row against a
        rotation's delete as the foreign key's own check would, and a key that exists is
        passed over, so that nothing in it can fail the caller's transaction.
        """
        secret = AESGCM.generate_key(bit_length=256)
        for attempt in range(3):
            keyset = self.keys.keyset(force=attempt > 0)
            if attempt > 0:
                # A fresh database behind an existing keyset: record its current KEK.
                await conn.execute(
                    "INSERT INTO keyring.keks (kek_id) VALUES ($1) ON CONFLICT DO NOTHING",
                    keyset.current,
                )
            wrapped = wrap(keyset.key, key_id, secret)
            written = await conn.fetchrow(_CREATE, key_id, tenant, wrapped, keyset.current)
            assert written is not None
            if not written["kek"]:
                continue  # a rotation retired the KEK our keyset still called current: reload
            if not written["created"]:
                raise DataKeyExists(key_id)
            return DataKey(key_id, secret)
        raise LookupError(f"no current key-encryption key recorded for {key_id}")

    async def get(self, conn: Conn, key_id: str) -> DataKey:
        for attempt in range(3):
            row = await conn.fetchrow(
                "SELECT wrapped, kek_id FROM keyring.data_keys WHERE key_id = $1", key_id
            )
            if row is None:
                raise KeyErased(key_id)
            keyset = self.keys.keyset(force=attempt > 0)
            if row["kek_id"] in keyset.keys:
                return DataKey(key_id, unwrap(keyset.keys[row["kek_id"]], key_id, row["wrapped"]))
            # Re-wrapped under a KEK newer than our keyset, or under one retired since we
            # read the row: reload the keyset and read the row again.
        raise LookupError(f"the key-encryption key of {key_id} is not in the keyset")

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


def wrap(kek: bytes, key_id: str, secret: bytes) -> bytes:
    nonce = os.urandom(NONCE)
    return nonce + AESGCM(kek).encrypt(nonce, secret, key_id.encode())


def unwrap(kek: bytes, key_id: str, wrapped: bytes) -> bytes:
    """The data key; raises `cryptography.exceptions.InvalidTag` under any other KEK."""
    return AESGCM(kek).decrypt(wrapped[:NONCE], wrapped[NONCE:], key_id.encode())

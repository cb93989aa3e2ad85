"""Sealed files in the keyring, beside the data key that seals them (ADR 0032).

A worker's photos, voice notes and PDFs are personal data like their narrative, but too
large for the log: the service that seals one stores it here under the id its event names,
and a service that may open the key reads it back by that id, as it reads a sealed field of
the log. A file is sealed with its key id as associated data, like every sealed value, and
deleting the key deletes its files (the table's foreign key cascades).
"""

from __future__ import annotations

import base64
import json
import os
from dataclasses import dataclass

from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from redress.events.catalogue.grievance import Sealed
from redress.events.store import Conn
from redress.kit.crypto import NONCE, DataKey, KeyErased, Keyring


@dataclass(frozen=True)
class OpenedFile:
    content_type: str
    data: bytes


def seal(key: DataKey, data: bytes) -> Sealed:
    """The file sealed as `DataKey.seal` seals a field; built without the field's size limit,
    which is for values in the log (a file may be 10 MB)."""
    nonce = os.urandom(NONCE)
    ct = AESGCM(key.secret).encrypt(nonce, data, key.key_id.encode())
    return Sealed.model_construct(
        key_id=key.key_id, ciphertext=base64.b64encode(nonce + ct).decode()
    )


async def put(
    conn: Conn, key: DataKey, file_id: str, tenant: str, content_type: str, data: bytes
) -> None:
    sealed = seal(key, data)
    await conn.execute(
        """INSERT INTO keyring.sealed_files (file_id, key_id, tenant, content_type, sealed)
           VALUES ($1, $2, $3, $4, $5::jsonb)""",
        file_id, key.key_id, tenant, content_type,
        json.dumps({"key_id": sealed.key_id, "ciphertext": sealed.ciphertext}),
    )  # fmt: skip


async def read(
    conn: Conn, keyring: Keyring, tenant: str, key_id: str, file_id: str
) -> OpenedFile | None:
    """The file, decrypted; None when there is no such file under that key in the tenant,
    or its key (and so the file) was erased."""
    row = await conn.fetchrow(
        """SELECT content_type, sealed::text FROM keyring.sealed_files
           WHERE file_id = $1 AND key_id = $2 AND tenant = $3""",
        file_id, key_id, tenant,
    )  # fmt: skip
    if row is None:
        return None
    raw = json.loads(row["sealed"])
    try:
        key = await keyring.get(conn, key_id)
    except KeyErased:
        return None
    return OpenedFile(row["content_type"], key.open(Sealed.model_construct(**raw)))

"""Finding a grievance by a worker's number, under keys that are replaced and destroyed.

A phone number has few enough values to be tried one by one, so a keyed hash of it is as
good as the number to whoever holds the key. The tables that find a grievance by number
(`sms_threads`, `contact_keys`, `sms_questions`) hold hashes under a lookup key: a data key
of the keyring, wrapped by the KEK. Before each rotation of the KEK, `replace` hashes every
live row again under a new lookup key (the number read from the grievance's sealed contact),
drops the rows of erased grievances and erases the old key; the rotation then destroys the
KEK that wrapped it. A deleted row's hash that survives on disk then names no number, with
every key the platform still holds (ADR 40).

Whoever hashes a number locks the live keys (`FOR KEY SHARE`) for its transaction, and
`replace` locks the old ones `FOR UPDATE` before hashing again: no row is written under a key
that is being retired, and no reader misses a row that is moving to the new one.
"""

from __future__ import annotations

import hashlib
import hmac
import json
from dataclasses import dataclass

import asyncpg
import structlog

from redress.events.catalogue.grievance import GrievanceSubmitted
from redress.events.ids import new_id
from redress.events.store import Conn, read_stream_on
from redress.intake.context import Intake
from redress.intake.phones import phone_number

log = structlog.get_logger("redress.intake")

# The keyring's rows are per tenant; lookup keys serve every tenant (each hash names it).
KEYRING_TENANT = ""
_TABLES = (("sms_threads", "thread_key"), ("contact_keys", "contact_key"),
           ("sms_questions", "thread_key"))  # fmt: skip


@dataclass(frozen=True)
class NumberKeys:
    """A number's hash under the newest lookup key, which new rows are written under, and
    every hash a row of it may be under now (older keys, and rows from before lookup keys)."""

    key_id: str
    hash: str
    candidates: list[str]


def _hash(secret: bytes, tenant: str, phone: str) -> str:
    normal = phone_number(phone) or phone
    return hmac.new(secret, f"number|{tenant}|{normal}".encode(), hashlib.sha256).hexdigest()[:32]


def _legacy(intake: Intake, tenant: str, phone: str) -> list[str]:
    # Rows written before lookup keys, under the root secret's key, until a rotation hashes
    # them again: a reply's and a lost receipt's form, and an SMS thread's.
    thread = hmac.new(intake.legacy_number_key, f"{tenant}|{phone}".encode(), hashlib.sha256)
    return [_hash(intake.legacy_number_key, tenant, phone), thread.hexdigest()[:32]]


async def number_keys(conn: Conn, intake: Intake, tenant: str, phone: str) -> NumberKeys:
    """The number's hashes, the live keys held against a rotation until `conn`'s transaction
    ends (call it inside one)."""
    ids = await _live(conn)
    if not ids:
        # The first key, made once: texts from one number arriving together on a new
        # platform would each make their own, and thread apart under different hashes.
        await conn.execute("SELECT pg_advisory_xact_lock(hashtext('intake.lookup_keys'))")
        ids = await _live(conn) or [await _create(conn, intake)]
    hashes = [_hash((await intake.keyring.get(conn, k)).secret, tenant, phone) for k in ids]
    return NumberKeys(ids[-1], hashes[-1], [*reversed(hashes), *_legacy(intake, tenant, phone)])


async def _live(conn: Conn) -> list[str]:
    return [r["key_id"] for r in await conn.fetch(
        "SELECT key_id FROM intake.lookup_keys ORDER BY created_at, key_id FOR KEY SHARE"
    )]  # fmt: skip


async def _create(conn: Conn, intake: Intake) -> str:
    key_id = f"lookup-{new_id()}"
    await intake.keyring.create(conn, key_id, KEYRING_TENANT)
    await conn.execute("INSERT INTO intake.lookup_keys (key_id) VALUES ($1)", key_id)
    return key_id


async def contact_of(conn: Conn, intake: Intake, grievance_id: str) -> str | None:
    """The number or address the worker gave, opened from their sealed personal data; None
    when they gave none or it was erased."""
    history = await read_stream_on(conn, f"grievance-{grievance_id}")
    submitted = next((e.data for e in history if isinstance(e.data, GrievanceSubmitted)), None)
    if submitted is None or (opened := await intake.keyring.open(conn, submitted.personal)) is None:
        return None
    contact = json.loads(opened).get("contact") or {}
    value = contact.get("phone_or_email")
    return str(value) if value else None


async def replace(pool: asyncpg.Pool, intake: Intake) -> int:
    """A new lookup key, every live row hashed again under it, the old keys erased; returns
    how many rows were kept. Runs before a rotation of the KEK, one at a time (its caller
    leads)."""
    async with pool.acquire() as conn, conn.transaction():
        new = await _create(conn, intake)  # committed first: writers move to it at once
    kept = dropped = 0
    async with pool.acquire() as conn, conn.transaction():
        # The keys older than the new one (a replacement running at the same time keeps
        # its own newer key, and retires this one after).
        old = [r["key_id"] for r in await conn.fetch(
            """SELECT key_id FROM intake.lookup_keys WHERE created_at <
                   (SELECT created_at FROM intake.lookup_keys WHERE key_id = $1)
               ORDER BY created_at, key_id FOR UPDATE""", new,
        )]  # fmt: skip
        secret = (await intake.keyring.get(conn, new)).secret
        contacts: dict[str, str | None] = {}
        for table, column in _TABLES:
            rows = await conn.fetch(
                f"""DELETE FROM intake.{table}
                    WHERE lookup_key IS NULL OR lookup_key = ANY($1::text[]) RETURNING *""",
                old,
            )
            again = []
            for row in rows:
                gid = row["grievance_id"]
                if gid not in contacts:
                    contacts[gid] = await contact_of(conn, intake, gid)
                if (contact := contacts[gid]) is None:
                    dropped += 1  # erased: nothing is left that knows the number
                    continue
                again.append({**row, column: _hash(secret, row["tenant"], contact),
                              "lookup_key": new})  # fmt: skip
            await _insert(conn, table, again)
            kept += len(again)
        for key_id in old:
            await intake.keyring.erase(conn, key_id)
        await conn.execute("DELETE FROM intake.lookup_keys WHERE key_id = ANY($1::text[])", old)
    log.info("lookup key replaced", rows=kept, dropped=dropped, retired=len(old))
    return kept


async def _insert(conn: Conn, table: str, rows: list[dict[str, object]]) -> None:
    if not rows:
        return
    names = list(rows[0])
    places = ", ".join(f"${i}" for i in range(1, len(names) + 1))
    # Two rows of one number (one from before lookup keys, one after) become one.
    await conn.executemany(
        f"INSERT INTO intake.{table} ({', '.join(names)}) VALUES ({places}) ON CONFLICT DO NOTHING",
        [tuple(r[n] for n in names) for r in rows],
    )

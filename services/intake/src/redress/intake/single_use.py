"""The report form is single-use: each rendering carries a signed form id, consumed in the
same transaction as the filing, so that a form sent twice files one grievance.

The receipt's secret is derived from the form id (HMAC under a key of its own), so that a
repeated POST shortly after the first can land the worker on the same receipt without the
secret ever being stored: only a hash of the form id is kept, with the reference.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
import time
from datetime import timedelta

from redress.events.store import Conn

LIFETIME = timedelta(hours=24)  # a form left open longer asks to be sent again
REPLAY = timedelta(minutes=10)  # how long a repeated POST still shows the receipt


def _mac(key: bytes, text: str) -> str:
    return hmac.new(key, text.encode(), hashlib.sha256).hexdigest()[:32]


def issue(key: bytes, now: float | None = None) -> str:
    body = f"{int(now if now is not None else time.time())}.{secrets.token_hex(16)}"
    return f"{body}.{_mac(key, 'form|' + body)}"


def check(key: bytes, token: str | None, now: float | None = None) -> str | None:
    """The form id, if we issued it less than LIFETIME ago."""
    try:
        issued, nonce, mac = (token or "").split(".")
        age = (now if now is not None else time.time()) - int(issued)
    except ValueError:
        return None
    if not hmac.compare_digest(mac, _mac(key, f"form|{issued}.{nonce}")):
        return None
    return nonce if 0 <= age < LIFETIME.total_seconds() else None


def secret_for(key: bytes, form_id: str) -> str:
    """Sixteen digits, uniform for all practical purposes (128 bits reduced mod 10^16)."""
    digest = hmac.new(key, f"secret|{form_id}".encode(), hashlib.sha256).digest()
    return f"{int.from_bytes(digest[:16], 'big') % 10**16:016d}"


def form_hash(form_id: str) -> str:
    return hashlib.sha256(form_id.encode()).hexdigest()


async def consume(conn: Conn, tenant: str, form_id: str) -> bool:
    """Claim the form for a filing in the caller's transaction; False if it was used.

    A concurrent second POST waits here on the first's row and then sees it used.
    """
    await conn.execute(
        "DELETE FROM intake.used_forms WHERE used_at < now() - $1::interval", LIFETIME
    )
    claimed = await conn.fetchval(
        "INSERT INTO intake.used_forms (form_hash, tenant) VALUES ($1, $2) "
        "ON CONFLICT (form_hash) DO NOTHING RETURNING 1",
        form_hash(form_id),
        tenant,
    )
    return claimed is not None


async def record(conn: Conn, form_id: str, reference: str, proof: str) -> None:
    await conn.execute(
        "UPDATE intake.used_forms SET reference = $2, proof = $3 WHERE form_hash = $1",
        form_hash(form_id),
        reference,
        proof,
    )


async def earlier_filing(conn: Conn, tenant: str, form_id: str) -> tuple[str, str] | None:
    """The reference and proof filed with this form, if it was used within REPLAY."""
    row = await conn.fetchrow(
        "SELECT reference, proof FROM intake.used_forms WHERE form_hash = $1 AND tenant = $2 "
        "AND reference IS NOT NULL AND used_at > now() - $3::interval",
        form_hash(form_id),
        tenant,
        REPLAY,
    )
    return (row["reference"], row["proof"]) if row else None

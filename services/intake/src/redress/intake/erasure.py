"""Erasing a grievance's personal data, alike when the worker asks and when retention runs out.

Deleting the data key makes every sealed field in the log unreadable (crypto-shredding);
attachments are sealed under the same key and deleted with it (the keyring's sealed files
cascade from their key, ADR 0032). Copies of the key that
survive on disk (WAL, backups) become unreadable at the next rotation of the
key-encryption key (`redress.kit.rotation`).
"""

from __future__ import annotations

from redress.events.catalogue.grievance import ErasureReason
from redress.events.envelope import EventData
from redress.events.store import Conn
from redress.intake.domain import ErasePersonalData, Grievance, decide
from redress.kit.crypto import Keyring


async def erase(
    conn: Conn, keyring: Keyring, grievance_id: str, state: Grievance, reason: ErasureReason
) -> list[EventData]:
    """Delete the key, and its attachments with it, in the caller's transaction; the events
    to append."""
    events = decide(ErasePersonalData(grievance_id, reason), state)
    await keyring.erase(conn, state.key_id or "")
    # The keyed hashes of the worker's number (a lost receipt's, a reply's, their texts'
    # thread) go too, and so do texts not yet sent: nothing is left that knows the number.
    # Copies on disk name nothing once the next rotation has replaced the lookup key (ADR 40).
    for table in ("contact_keys", "sms_questions", "sms_threads"):
        await conn.execute(f"DELETE FROM intake.{table} WHERE grievance_id = $1", grievance_id)
    await conn.execute(
        "UPDATE intake.texts SET state = 'skipped', params = '{}'::jsonb "
        "WHERE grievance_id = $1 AND state IN ('pending', 'sending')",
        grievance_id,
    )
    return events

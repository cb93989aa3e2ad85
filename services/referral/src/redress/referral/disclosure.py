"""A partner reads the personal fields the worker consented to share: decrypted at the read,
each read recorded as `PersonalDataDisclosed` before the answer leaves.

Nothing is read once the worker withdrew their consent (or the officer the referral), once
the partner declined or closed the referral, nor after the worker's data was erased:
crypto-shredded data is gone for partners too.

The referral is read again in the transaction that records the read: a revocation committed
while the data was being opened is seen there, and the read is refused and not recorded.
"""

from __future__ import annotations

import json
from typing import Any

from redress.events.application import Recorded, execute
from redress.events.catalogue.disclosure import PersonalDataDisclosed
from redress.events.catalogue.grievance import Sealed
from redress.events.ids import derived_stream
from redress.events.store import Conn, EventStore
from redress.kit.auth import Principal
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.referral import queries as q
from redress.referral.context import Desk
from redress.referral.handlers import partner_part_at, worker_key
from redress.referral.state import Consent, Status

ATTEMPTS = 3


class _Moved(Exception):
    """The referral changed while its personal data was read: the read is judged again."""


class _Unmoved:
    """Ends the disclosure's transaction only if the referral is still at `version`."""

    def __init__(self, store: EventStore, referral_id: str, version: int) -> None:
        self.store, self.referral_id, self.version = store, referral_id, version

    async def begin(self, conn: Conn) -> None:
        return None

    async def end(self, conn: Conn, recorded: Recorded) -> None:
        # Read committed: this statement sees every write committed before it, so a
        # revocation the worker has been told of is never read past.
        if await self.store.stream_version(self.referral_id, conn=conn) != self.version:
            raise _Moved


def disclosure_stream(referral_id: str) -> str:
    return derived_stream("disclosure", referral_id)


async def read_personal(desk: Desk, p: Principal, referral_id: str) -> dict[str, Any]:
    for _ in range(ATTEMPTS):
        try:
            return await _read_once(desk, p, referral_id)
        except _Moved:
            continue
    raise Problem(409, "referral-changing", "the referral is changing; try again shortly")


async def _read_once(desk: Desk, p: Principal, referral_id: str) -> dict[str, Any]:
    state, part, version = await partner_part_at(desk, p, referral_id)
    opened = state.opened
    assert opened is not None
    if part.status is Status.revoked or part.consent in (Consent.revoked, Consent.declined):
        raise Problem(410, "consent-revoked", "the worker withdrew their consent")
    if part.status is Status.withdrawn:
        raise Problem(410, "withdrawn", "the referral was withdrawn")
    if part.status in (Status.declined, Status.closed):
        said = f"your organisation {part.status.value} the referral: its reads have ended"
        raise Problem(410, "referral-ended", said)
    readable = part.readable()
    if not readable:
        return {"referral_id": referral_id, "fields": {}}
    async with desk.pool.acquire() as conn:
        sealed = await q.sealed_personal(conn, opened.grievance_id)
        # Asked first: data not projected is either erased (the key is gone) or not yet seen.
        key = await worker_key(desk, opened.grievance_id, conn=conn)
    if sealed is None:
        raise Problem(409, "not-yet-readable", "not yet readable; try again shortly")
    plain = key.open(Sealed.model_validate(json.loads(sealed)))
    personal = json.loads(plain)
    shown = {f.value: personal.get(f.value) for f in readable if personal.get(f.value)}
    if shown:
        disclosed = PersonalDataDisclosed(
            referral_id=referral_id, case_id=opened.case_id, grievance_id=opened.grievance_id,
            partner_id=part.partner_id, fields=tuple(sorted(shown)),
        )  # fmt: skip
        # Recorded before the answer leaves: a read that cannot be recorded is not answered.
        stream = disclosure_stream(referral_id)
        unmoved = _Unmoved(desk.store, referral_id, version)
        await execute(
            desk.store, stream, lambda _: [disclosed], metadata_for(p), transaction=unmoved
        )
    return {"referral_id": referral_id, "fields": shown}

"""A partner reads the personal fields the worker consented to share: decrypted at the read,
each read recorded as `PersonalDataDisclosed` before the answer leaves.

Nothing is read once the worker withdrew their consent (or the officer the referral), once
the partner declined or closed the referral, nor after the worker's data was erased:
crypto-shredded data is gone for partners too.
"""

from __future__ import annotations

import json
from typing import Any

from redress.events.application import execute
from redress.events.catalogue.disclosure import PersonalDataDisclosed
from redress.events.catalogue.grievance import Sealed
from redress.events.ids import derived_stream
from redress.kit.auth import Principal
from redress.kit.crypto import KeyErased, grievance_key_id
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.referral import queries as q
from redress.referral.context import Desk
from redress.referral.handlers import partner_part
from redress.referral.state import Consent, Status

ERASED = "the worker's personal data was erased: it can no longer be read"


def disclosure_stream(referral_id: str) -> str:
    return derived_stream("disclosure", referral_id)


async def read_personal(desk: Desk, p: Principal, referral_id: str) -> dict[str, Any]:
    state, part = await partner_part(desk, p, referral_id)
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
        try:
            if sealed is None:
                # Not projected (erased, or not yet seen): the keyring says which.
                await desk.referrals.keyring.get(conn, grievance_key_id(opened.grievance_id))
                raise Problem(409, "not-yet-readable", "not yet readable; try again shortly")
            plain = (await desk.referrals.keyring.get(conn, grievance_key_id(
                opened.grievance_id))).open(Sealed.model_validate(json.loads(sealed)))  # fmt: skip
        except KeyErased:
            raise Problem(410, "personal-data-erased", ERASED) from None
    personal = json.loads(plain)
    shown = {f.value: personal.get(f.value) for f in readable if personal.get(f.value)}
    if shown:
        disclosed = PersonalDataDisclosed(
            referral_id=referral_id, case_id=opened.case_id, grievance_id=opened.grievance_id,
            partner_id=part.partner_id, fields=tuple(sorted(shown)),
        )  # fmt: skip
        # Recorded before the answer leaves: a read that cannot be recorded is not answered.
        stream = disclosure_stream(referral_id)
        await execute(desk.store, stream, lambda _: [disclosed], metadata_for(p))
    return {"referral_id": referral_id, "fields": shown}

"""Reading the explanation an officer gave for an emergency referral.

The explanation says why the worker is in danger, and may hold what the worker told the
officer: it is sealed under the worker's own key (erased with their data) and shown only to
an officer who asks for it, for the second officer to weigh before approving. Each reading
is recorded before the text leaves, as a `PersonalDataRead` of `emergency_explanation` in
the referral's own access stream; it names the case, so the case page lists it among the
reads of the worker's data.
"""

from __future__ import annotations

from redress.events.application import execute
from redress.events.catalogue.access import PersonalDataRead
from redress.events.ids import derived_stream
from redress.kit.auth import Principal
from redress.kit.authz import Action
from redress.kit.deps import authorise, metadata_for
from redress.kit.errors import Problem
from redress.referral import domain as d
from redress.referral.context import Desk
from redress.referral.handlers import events_of, opened_of, worker_key

FIELD = "emergency_explanation"


def reads_stream(referral_id: str) -> str:
    """The referral's own stream of reads of the worker's data (cases keeps the case's)."""
    return derived_stream("access", referral_id)


async def read_explanation(desk: Desk, p: Principal, referral_id: str, partner_id: str) -> str:
    """The proposer's explanation of the emergency for `partner_id`, its reading recorded."""
    officer = authorise(p, Action.referral_manage)
    events = await events_of(desk, referral_id)
    opened = opened_of(officer, events)
    part = d.REFERRAL.fold(referral_id, events).addressees.get(partner_id)
    sealed = part.proposal.explanation if part and part.proposal else None
    if sealed is None:
        detail = "no emergency with an explanation was proposed for this partner"
        raise Problem(409, "no-explanation", detail)
    key = await worker_key(desk, opened.grievance_id)
    text = key.open(sealed).decode()
    read = PersonalDataRead(case_id=opened.case_id, grievance_id=opened.grievance_id,
                            fields=(FIELD,), channel="console")  # fmt: skip
    # Recorded before the text is shown: a reading that cannot be recorded is not shown.
    await execute(desk.store, reads_stream(referral_id), lambda _: [read], metadata_for(officer))
    return text

"""What can be done to a referral, transport-free: the APIs (and, later, pages) call these.

Each handler authorises the principal on the referral as the log has it, decides on the
referral's events and appends what it decides, through the application layer's `execute`
(with the ADR 0006 retry, and an Idempotency-Key's claim when one is sent). Staff reach
every referral of their tenant; a partner only its own part of a referral sent to it, and
anything else is 404, as if it did not exist.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redress.events.application import execute
from redress.events.catalogue.grievance import Sealed
from redress.events.catalogue.grievance_answers import ConsentAnswer
from redress.events.catalogue.partner import PartnerKind
from redress.events.catalogue.referral import ConsentChannel, ReferralOpened
from redress.events.envelope import Event, EventData
from redress.events.store import Conn
from redress.kit.auth import Principal
from redress.kit.crypto import DataKey, KeyErased, grievance_key_id
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Retry
from redress.referral import answers as a
from redress.referral import domain as d
from redress.referral import requests as r
from redress.referral.context import Desk
from redress.referral.policies import directory, sending_by
from redress.referral.ranking import Case, suggest
from redress.referral.state import Addressee, Referral

NOT_FOUND = "there is no such referral"
ERASED = "the worker's personal data was erased: it can no longer be read"
ERASED_TO_SEAL = "the worker erased their data: nothing more can be sealed for them"
SCHEMA = "referral"


def opened_of(p: Principal, events: list[Event]) -> ReferralOpened:
    """The referral's opening; 404 for another tenant's (or none)."""
    opened = events[0].data if events else None
    if not isinstance(opened, ReferralOpened) or events[0].tenant != p.tenant:
        raise Problem(404, "not-found", NOT_FOUND)
    return opened


def partner_of(p: Principal) -> str:
    """A partner acts for its organisation: its token must name it (the partner's id)."""
    if not p.org:
        raise Problem(403, "forbidden", "a partner's token must name its organisation")
    return p.org


def part_of(p: Principal, events: list[Event]) -> Addressee:
    """The partner's part of a referral sent to it; 404 for anything else."""
    opened_of(p, events)
    state = d.REFERRAL.fold(events[0].stream, events)
    addressee = state.addressees.get(partner_of(p))
    if addressee is None or not addressee.sent:
        raise Problem(404, "not-found", NOT_FOUND)
    return addressee


async def events_of(desk: Desk, referral_id: str) -> list[Event]:
    return await desk.store.read_stream(referral_id) if referral_id.startswith("referral-") else []


async def write(
    desk: Desk,
    p: Principal,
    referral_id: str,
    decide: Callable[[list[Event]], Sequence[EventData]],
    retry: Retry | None = None,
    admit: Callable[[Principal, list[Event]], Any] = opened_of,
) -> r.Written:
    """Append what `decide` makes of the referral; with an Idempotency-Key, once."""
    if not referral_id.startswith("referral-"):
        raise Problem(404, "not-found", NOT_FOUND)

    def decided(history: list[Event]) -> Sequence[EventData]:
        admit(p, history)
        return decide(history)

    def answer(done: Any) -> r.Written:
        return r.Written(referral_id=referral_id, version=done.version)

    once = Once.of(retry, SCHEMA, p, answer)
    done = await execute(desk.store, referral_id, decided, metadata_for(p), transaction=once)
    if done.earlier is not None:
        return r.Written.model_validate(done.earlier)
    return answer(done)


async def run(
    desk: Desk, p: Principal, referral_id: str, *commands: object, retry: Retry | None = None
) -> r.Written:
    return await write(desk, p, referral_id, d.REFERRAL.deciding(referral_id, *commands), retry)


async def sending(desk: Desk, p: Principal) -> d.Sending:
    return sending_by(await directory(desk.store, p.tenant), desk.referrals.now())


# The officer's.


async def ranking(desk: Desk, p: Principal, found: dict[str, Any]) -> list[dict[str, Any]]:
    """The directory's partners ranked for a referral (as the queries read it), each with why."""
    case = Case(found["country"], tuple(found["reasons"]), found["category"], found["language"])
    partners = (await directory(desk.store, p.tenant)).partners
    return [
        {"partner_id": s.partner_id, "name": partners[s.partner_id].card.name,
         "kind": partners[s.partner_id].card.kind, "why": list(s.why)}
        for s in suggest(partners.values(), case)
    ]  # fmt: skip


async def check_safety(
    desk: Desk, p: Principal, referral_id: str, body: r.SafetyBody, retry: Retry | None = None
) -> r.Written:
    command = d.CheckSafety(body.imminent_danger, tuple(body.must_not_learn))
    return await run(desk, p, referral_id, command, retry=retry)


async def select(
    desk: Desk, p: Principal, referral_id: str, body: r.SelectBody, retry: Retry | None = None
) -> r.Written:
    found = (await directory(desk.store, p.tenant)).partners.get(body.partner_id)
    candidate = (
        d.Candidate(found.card.name, PartnerKind(found.card.kind), found.retired) if found else None
    )
    command = d.SelectPartner(body.partner_id, candidate, tuple(body.fields), tuple(body.services))
    return await run(desk, p, referral_id, command, retry=retry)


async def record_consent(
    desk: Desk,
    p: Principal,
    referral_id: str,
    partner_id: str,
    body: r.ConsentBody,
    retry: Retry | None = None,
) -> r.Written:
    command = d.RecordConsent(
        partner_id, ConsentAnswer(body.answer), body.given_by, ConsentChannel(body.channel),
        body.given_at, await sending(desk, p), tuple(body.fields),
    )  # fmt: skip
    return await run(desk, p, referral_id, command, retry=retry)


async def worker_key(
    desk: Desk, grievance_id: str, *, sealing: bool = False, conn: Conn | None = None
) -> DataKey:
    """The worker's own data key, which seals what is theirs (ADR 0011).

    Once the worker erased their data the key is gone: what it sealed is gone for good (410),
    and sealing more for them conflicts with their erasure (409)."""
    try:
        if conn is not None:
            return await desk.referrals.keyring.get(conn, grievance_key_id(grievance_id))
        async with desk.pool.acquire() as acquired:
            return await desk.referrals.keyring.get(acquired, grievance_key_id(grievance_id))
    except KeyErased:
        if sealing:
            raise Problem(409, "personal-data-erased", ERASED_TO_SEAL) from None
        raise Problem(410, "personal-data-erased", ERASED) from None


async def seal_for_worker(desk: Desk, p: Principal, referral_id: str, text: str) -> Sealed:
    """`text` sealed with the worker's own key: erased with their data."""
    opened = opened_of(p, await events_of(desk, referral_id))
    key = await worker_key(desk, opened.grievance_id, sealing=True)
    return key.seal(text.encode())


async def propose_emergency(
    desk: Desk,
    p: Principal,
    referral_id: str,
    partner_id: str,
    body: r.EmergencyBody,
    retry: Retry | None = None,
) -> r.Written:
    explanation = None
    if body.explanation:
        explanation = await seal_for_worker(desk, p, referral_id, body.explanation)
    command = d.ProposeEmergency(partner_id, p.sub, body.grounds, explanation)
    return await run(desk, p, referral_id, command, retry=retry)


async def approve_emergency(
    desk: Desk, p: Principal, referral_id: str, partner_id: str, retry: Retry | None = None
) -> r.Written:
    command = d.ApproveEmergency(partner_id, p.sub, await sending(desk, p))
    return await run(desk, p, referral_id, command, retry=retry)


async def withdraw(
    desk: Desk, p: Principal, referral_id: str, partner_id: str, retry: Retry | None = None
) -> r.Written:
    return await run(desk, p, referral_id, d.Withdraw(partner_id), retry=retry)


# The partner's.


async def partner_in_directory(desk: Desk, p: Principal) -> None:
    """A retired partner's tokens reach nothing more."""
    found = (await directory(desk.store, p.tenant)).partners.get(partner_of(p))
    if found is None:
        raise Problem(403, "unknown-partner", "this partner is not in the initiative's directory")
    if found.retired:
        raise Problem(403, "partner-retired", "this partner has left the initiative's directory")


async def respond(
    desk: Desk, p: Principal, referral_id: str, command: a.Answer, retry: Retry | None = None
) -> r.Written:
    await partner_in_directory(desk, p)
    decide = d.REFERRAL.deciding(referral_id, command)
    return await write(desk, p, referral_id, decide, retry, admit=part_of)


def partner_command(p: Principal, kind: str, body: Any = None) -> a.Answer:
    pid = partner_of(p)
    match kind:
        case "acknowledge":
            return a.Acknowledge(pid)
        case "accept":
            return a.Accept(pid)
        case "decline":
            return a.Decline(pid, body.reason)
        case "services":
            return a.ProvideServices(pid, tuple(body.services))
        case "close":
            return a.Close(pid, body.outcome)
    raise ValueError(kind)  # pragma: no cover


async def partner_part(desk: Desk, p: Principal, referral_id: str) -> tuple[Referral, Addressee]:
    """The referral as the log has it, and the partner's part of it (404 if not sent to it)."""
    state, addressee, _ = await partner_part_at(desk, p, referral_id)
    return state, addressee


async def partner_part_at(
    desk: Desk, p: Principal, referral_id: str
) -> tuple[Referral, Addressee, int]:
    """`partner_part`, and the version of the referral's stream it was read at."""
    await partner_in_directory(desk, p)
    events = await events_of(desk, referral_id)
    addressee = part_of(p, events)
    return d.REFERRAL.fold(referral_id, events), addressee, len(events)

"""What can be done to a case, transport-free: the API and the console both call these.

Each handler authorises the principal on the case as the log has it, decides the commands
on the case's events and appends what they decide, through the application layer's one
`execute` (with the ADR 0006 retry, and an Idempotency-Key's claim when one is sent).
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from redress.cases import commands as c
from redress.cases import domain as d
from redress.cases import parties
from redress.cases.context import Desk
from redress.cases.parties import Party
from redress.events.application import Pure, execute
from redress.events.catalogue.case import CaseOpened, PlanActionAdded
from redress.events.catalogue.grievance import Sealed
from redress.events.envelope import Event, EventData
from redress.events.ids import new_id
from redress.events.store import EventStore
from redress.kit.auth import Principal
from redress.kit.authz import Action, Role, allowed, authorising_role
from redress.kit.crypto import KeyErased, grievance_key_id
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem
from redress.kit.idempotency import Once, Retry

NOT_FOUND = "there is no such case"
SCHEMA = "cases"


def is_member(principal: Principal) -> bool:
    """Reads cases of its own supply chain only, redacted (decided by the authz table)."""
    return allowed(principal.roles, Action.case_read_redacted) and not allowed(
        principal.roles, Action.case_read
    )


_PARTIES = {Role.supplier: d.Owner.supplier, Role.facilitator: d.Owner.facilitator}


def party_of(principal: Principal) -> Party | None:
    """The party of remediation plans the principal acts for (`parties`), by its token's org:
    a member company, a supplier (its site id) or a facilitator; None for staff."""
    if allowed(principal.roles, Action.case_read):
        return None
    if is_member(principal):
        return Party(d.Owner.member_company, principal.org or "")
    role = authorising_role(principal.roles, Action.plan_read_own)
    return Party(_PARTIES[Role(role)], principal.org or "") if role else None


def named(principal: Principal) -> None:
    """A member company, supplier or facilitator reaches its own cases only: its token must
    say which organisation it is."""
    if party_of(principal) is not None and not principal.org:
        raise Problem(403, "forbidden", "the token must name its organisation")


def admit(principal: Principal, events: list[Event]) -> CaseOpened:
    """The case's opening; 404 for another tenant's case, or one out of a party's reach (a
    member's outside its chain, as corrected; a supplier's or facilitator's not its own)."""
    named(principal)
    opened = events[0].data if events else None
    if not isinstance(opened, CaseOpened) or events[0].tenant != principal.tenant:
        raise Problem(404, "not-found", NOT_FOUND)
    party = party_of(principal)
    if party is not None and not parties.reaches(party, d.fold([e.data for e in events])):
        raise Problem(404, "not-found", NOT_FOUND)
    return opened


async def case_events(store: EventStore, principal: Principal, case_id: str) -> list[Event]:
    """The case's events, if the principal may reach the case (else 404)."""
    events = await store.read_stream(case_id) if case_id.startswith("case-") else []
    admit(principal, events)
    return events


async def write(
    desk: Desk,
    p: Principal,
    case_id: str,
    decide: Pure,
    retry: Retry | None = None,
    answer: Callable[[int], c.Written] | None = None,
) -> c.Written:
    """Append what `decide` makes of the case; with an Idempotency-Key, once. `answer` makes
    the answer of the version written, where it names more than the case (what was added).

    The key is claimed before the case is read: a retry of a write that went through gets
    its first answer, not a refusal decided on the state that write left.
    """
    if not case_id.startswith("case-"):
        raise Problem(404, "not-found", NOT_FOUND)

    def decided(history: list[Event]) -> Sequence[EventData]:
        admit(p, history)
        return decide(history)

    made = answer or (lambda version: c.Written(case_id=case_id, version=version))
    once = Once.of(retry, SCHEMA, p, lambda done: made(done.version))
    done = await execute(desk.store, case_id, decided, metadata_for(p), transaction=once)
    if done.earlier is not None:
        named = "action_id" in done.earlier
        return (c.ActionAdded if named else c.Written).model_validate(done.earlier)
    return made(done.version)


async def run(
    desk: Desk, p: Principal, case_id: str, *commands: Any, retry: Retry | None = None
) -> c.Written:
    """Decide `commands` in turn on the case as the log has it, and append all at once."""

    return await write(desk, p, case_id, d.CASE.deciding(case_id, *commands), retry)


async def seal_for_grievance(desk: Desk, p: Principal, case_id: str, text: str) -> Sealed:
    """`text` sealed with the worker's own key, as their words are."""
    opened = admit(p, await desk.store.read_stream(case_id) if case_id.startswith("case-") else [])
    try:
        async with desk.pool.acquire() as conn:
            key = await desk.cases.keyring.get(conn, grievance_key_id(opened.grievance_id))
    except KeyErased:
        detail = "the worker erased their data: nothing more can be sealed for them"
        raise Problem(409, "personal-data-erased", detail) from None
    return key.seal(text.encode())


# The commands, in the order of the six steps.


async def triage(
    desk: Desk, p: Principal, case_id: str, body: c.TriageBody, retry: Retry | None = None
) -> c.Written:
    command = d.Triage(tuple(map(str, body.indicators)), body.severity, body.override_reason)
    return await run(desk, p, case_id, command, retry=retry)


async def accept(desk: Desk, p: Principal, case_id: str, retry: Retry | None = None) -> c.Written:
    command = d.Accept(*await desk.calendar(p.tenant))
    return await run(desk, p, case_id, command, retry=retry)


async def reject(
    desk: Desk, p: Principal, case_id: str, body: c.RejectBody, retry: Retry | None = None
) -> c.Written:
    if body.duplicate_of is not None:
        await _a_case_of_the_tenant(desk, p, body.duplicate_of)
    reject = d.Reject(d.Grounds(body.grounds), body.explanation, body.duplicate_of)
    return await run(desk, p, case_id, reject, retry=retry)


async def _a_case_of_the_tenant(desk: Desk, p: Principal, case_id: str) -> None:
    """A case named in a command: one of the tenant's, or the command is wrong (422)."""
    events = await desk.store.read_stream(case_id) if case_id.startswith("case-") else []
    if not events or events[0].tenant != p.tenant:
        raise Problem(422, "unknown-duplicate", f"no case {case_id} in this initiative")


async def advance(
    desk: Desk, p: Principal, case_id: str, body: c.AdvanceBody, retry: Retry | None = None
) -> c.Written:
    command = d.Advance(body.to, *await desk.calendar(p.tenant))
    return await run(desk, p, case_id, command, retry=retry)


async def add_action(
    desk: Desk, p: Principal, case_id: str, body: c.ActionBody, retry: Retry | None = None
) -> c.ActionAdded:
    """Add the action; the answer names it, so that the caller can report on it."""
    action_id = str(new_id())
    command = d.AddAction(action_id, body.remedy, body.owner, body.due_on, body.description,
                          party_of(p), await desk.today(p.tenant))  # fmt: skip
    written = await write(
        desk, p, case_id, d.CASE.deciding(case_id, command), retry,
        lambda version: c.ActionAdded(case_id=case_id, version=version, action_id=action_id),
    )  # fmt: skip
    if isinstance(written, c.ActionAdded):
        return written
    # A retry's first answer, kept before answers named the action: the log says which.
    at = [e.data for e in await desk.store.read_stream(case_id) if e.version == written.version]
    added = next(e for e in at if isinstance(e, PlanActionAdded))
    return c.ActionAdded(case_id=case_id, version=written.version, action_id=added.action_id)


async def update_action(
    desk: Desk,
    p: Principal,
    case_id: str,
    action_id: str,
    body: c.ActionUpdateBody,
    retry: Retry | None = None,
) -> c.Written:
    command = d.UpdateAction(action_id, body.progress, body.evidence, body.done, party_of(p))
    return await run(desk, p, case_id, command, retry=retry)


async def assign(
    desk: Desk, p: Principal, case_id: str, body: c.AssignBody, retry: Retry | None = None
) -> c.Written:
    command: Any = (
        d.AssignOfficer(body.officer)
        if isinstance(body, c.AssignOfficerBody)
        else d.AssignFacilitator(body.facilitator)
    )
    return await run(desk, p, case_id, command, retry=retry)


async def message_worker(
    desk: Desk, p: Principal, case_id: str, body: c.TextBody, retry: Retry | None = None
) -> c.Written:
    sealed = await seal_for_grievance(desk, p, case_id, body.text)
    return await run(desk, p, case_id, d.MessageWorker(sealed), retry=retry)


async def add_note(
    desk: Desk, p: Principal, case_id: str, body: c.TextBody, retry: Retry | None = None
) -> c.Written:
    sealed = await seal_for_grievance(desk, p, case_id, body.text)
    return await run(desk, p, case_id, d.AddNote(sealed), retry=retry)


async def close(
    desk: Desk, p: Principal, case_id: str, body: c.CloseBody, retry: Retry | None = None
) -> c.Written:
    commands: list[Any] = [d.Close(body.outcome, body.no_court_waiver_attested)]
    if body.satisfaction is not None:  # in the same append: never closed without it
        commands.append(d.RecordSatisfaction(body.satisfaction, "callback"))
    return await run(desk, p, case_id, *commands, retry=retry)


async def satisfaction(
    desk: Desk, p: Principal, case_id: str, body: c.SatisfactionBody, retry: Retry | None = None
) -> c.Written:
    command = d.RecordSatisfaction(body.score, body.source)
    return await run(desk, p, case_id, command, retry=retry)


async def lessons(
    desk: Desk, p: Principal, case_id: str, body: c.LessonsBody, retry: Retry | None = None
) -> c.Written:
    command = d.RecordLessons(body.text, tuple(body.tags))
    return await run(desk, p, case_id, command, retry=retry)


async def reopen(
    desk: Desk, p: Principal, case_id: str, body: c.ReopenBody, retry: Retry | None = None
) -> c.Written:
    command = d.Reopen(body.reason, *await desk.calendar(p.tenant))
    return await run(desk, p, case_id, command, retry=retry)

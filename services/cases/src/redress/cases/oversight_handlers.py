"""What oversight does to a case, transport-free: legal holds, the review a worker asks
for, the verification of what happened and the response (IOM steps 1 and 2), and corrections
of the grievance's classification. Each is decided on the case's events, beside the six-step
process, and written through the same `write` as every other handler (`handlers`).
"""

from __future__ import annotations

from redress.cases import appeals, corrections, holds, verification
from redress.cases import commands as c
from redress.cases.context import Desk
from redress.cases.handlers import seal_for_grievance, write
from redress.events.envelope import Event, EventData
from redress.kit.auth import Principal
from redress.kit.errors import Problem
from redress.kit.idempotency import Retry
from redress.tenancy.handlers import read_tenant


async def hold(
    desk: Desk,
    p: Principal,
    case_id: str,
    command: holds.PlaceLegalHold | holds.ReleaseLegalHold,
    retry: Retry | None = None,
) -> c.Written:
    """Place or release a legal hold (decided on the case's events, beside the process)."""

    def decide(events: list[Event]) -> list[EventData]:
        return holds.decide(command, [e.data for e in events])

    return await write(desk, p, case_id, decide, retry)


async def review(
    desk: Desk, p: Principal, case_id: str, body: c.ReviewBody, retry: Retry | None = None
) -> c.Written:
    """Uphold or reverse the decision the worker asked to have reviewed (not one's own)."""
    command = appeals.DecideReview(p.sub, body.result, body.reasons,
                                   *await desk.calendar(p.tenant))  # fmt: skip

    def decide(events: list[Event]) -> list[EventData]:
        return appeals.decide(command, events)

    return await write(desk, p, case_id, decide, retry)


async def verify(
    desk: Desk,
    p: Principal,
    case_id: str,
    command: verification.Command,
    retry: Retry | None = None,
) -> c.Written:
    """Record a finding, the verification's decision or the response (IOM steps 1 and 2)."""

    def decide(events: list[Event]) -> list[EventData]:
        return verification.decide(command, [e.data for e in events])

    return await write(desk, p, case_id, decide, retry)


async def record_finding(
    desk: Desk, p: Principal, case_id: str, body: c.FindingBody, retry: Retry | None = None
) -> c.Written:
    """A finding is sealed with the worker's key, as notes are: an interview names people."""
    sealed = await seal_for_grievance(desk, p, case_id, body.finding)
    return await verify(desk, p, case_id, verification.RecordFinding(body.source, sealed), retry)


async def correct(
    desk: Desk, p: Principal, case_id: str, body: c.CorrectionBody, retry: Retry | None = None
) -> c.Written:
    """Correct the grievance's classification; a corrected site brings its member along,
    and its country where none is given."""
    async with desk.pool.acquire() as conn:
        sites = (await read_tenant(conn, p.tenant)).sites
    member_org = None
    if body.site_id is not None:
        site = sites.get(body.site_id)
        if site is None:
            raise Problem(422, "unknown-site", "the tenant has no such site")
        member_org = site.sole_member
    command = corrections.Correct(
        body.reason, body.category.value if body.category else None, body.country,
        body.site_id, member_org, body.language,
        {site_id: site.country for site_id, site in sites.items()},
    )  # fmt: skip

    def decide(events: list[Event]) -> list[EventData]:
        return corrections.decide(command, [e.data for e in events])

    return await write(desk, p, case_id, decide, retry)

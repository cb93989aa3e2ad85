"""Reactions of cases to other services' events: every submitted grievance opens a case, and
a worker's withdrawal ends it."""

from __future__ import annotations

from dataclasses import replace
from itertools import groupby

from redress.cases import appeals, retaliation
from redress.cases.domain import (
    CASE,
    CaseRefused,
    OpenCase,
    RecordSatisfaction,
    TimeFrames,
    Withdraw,
    decide,
    fold,
)
from redress.events.application import execute
from redress.events.catalogue.grievance import GrievanceSubmitted, WithdrawalRequested
from redress.events.catalogue.grievance_answers import ReviewRequested, WorkerSatisfactionGiven
from redress.events.catalogue.retaliation import RetaliationReported
from redress.events.catalogue.tenant import SiteRegistered, TimeFramesSet
from redress.events.envelope import SYSTEM, Event, EventData, Metadata
from redress.events.ids import derived_stream
from redress.events.opening import NewStream, open_streams
from redress.events.projection import Policy, of_kind
from redress.events.store import Conn, EventStore, read_stream_on
from redress.tenancy.handlers import read_tenant


def case_stream(grievance_id: str) -> str:
    """One case per grievance, its id fixed by the grievance."""
    return derived_stream("case", grievance_id)


class OpenCases(Policy):
    name = "open_cases"
    schema = "cases"
    stream_types = ("grievance", "tenant", "retaliation")
    handles = (TimeFramesSet, SiteRegistered, GrievanceSubmitted, WorkerSatisfactionGiven,
               WithdrawalRequested, ReviewRequested, RetaliationReported)  # fmt: skip
    tables = ("frames", "sites")

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """Each run of the batch's events of one kind at once, runs in the batch's order:
        openings read the frames and sites the events before them wrote, and a worker's
        withdrawal finds the case opened before it in the same batch (ADR 29)."""
        for run in _runs(events):
            match run[0].data:
                case TimeFramesSet():
                    await _frames_set(conn, run)
                case SiteRegistered():
                    await _sites_registered(conn, run)
                case GrievanceSubmitted() | RetaliationReported():
                    await self._open(conn, run)
                case _:
                    for event in run:
                        await self._react(conn, event)

    async def _react(self, conn: Conn, event: Event) -> None:
        """What the worker does on an open case: each in a transaction of its own (ADR 6)."""
        match event.data:
            case WorkerSatisfactionGiven(grievance_id=gid, score=score):
                await self._satisfaction(conn, event, gid, score)
            case WithdrawalRequested(grievance_id=gid):
                await self._withdrawal(conn, event, gid)
            case ReviewRequested(grievance_id=gid):
                await self._review(event, gid)

    async def _open(self, conn: Conn, events: list[Event]) -> None:
        """A case for each grievance submitted and each retaliation reported, all opened in
        one statement in the batch's transaction; a case opened before (a replay) is left."""
        tenants = {e.tenant for e in events}
        tenant_frames = await frames_of(conn, tenants)
        # The member company of the site, where the filing did not name one.
        wanted = {(e.tenant, g.site_id) for e, g in of_kind(events, GrievanceSubmitted)
                  if not g.member_org}  # fmt: skip
        wanted |= {(e.tenant, r.site_id) for e, r in of_kind(events, RetaliationReported)}
        members = await _members(conn, wanted)
        opened = []
        for event in events:
            metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                                correlationid=event.correlationid or event.id)  # fmt: skip
            match event.data:
                case GrievanceSubmitted() as g:
                    stream, decided = case_stream(g.grievance_id), _opening(
                        event, g, tenant_frames[event.tenant],
                        g.member_org or members.get((event.tenant, g.site_id)),
                    )  # fmt: skip
                case RetaliationReported() as r:
                    # The tenant's day, as a grievance's case counts from: the UTC date is
                    # a day off for a report made near midnight in Dhaka or in Lima.
                    frames = tenant_frames[event.tenant]
                    command = retaliation.OpenRetaliationCase(
                        r, frames.local_day(event.time), frames,
                        members.get((event.tenant, r.site_id)),
                    )  # fmt: skip
                    stream, decided = (
                        retaliation.case_of(r.report_id),
                        retaliation.decide(command, fold([])),
                    )
                case _:
                    continue
            opened.append(NewStream(stream, decided, metadata))
        await open_streams(self.store, conn, opened)

    async def _review(self, event: Event, grievance_id: str) -> None:
        await _review_requested(self.store, event, grievance_id)

    async def _satisfaction(self, conn: Conn, event: Event, grievance_id: str, score: int) -> None:
        """The worker's own score, given on the status page, joins the case.

        Appended in a transaction of its own (see docs/decisions/0006): the batch's
        transaction is older than events an officer may have written to the case meanwhile.
        Its causation id makes a replay find it recorded.
        """
        stream = case_stream(grievance_id)
        metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                            correlationid=event.correlationid or event.id)  # fmt: skip

        def decide(history: list[Event]) -> list[EventData]:
            if any(e.causationid == event.id for e in history):
                return []  # recorded before: this is a replay
            try:
                return CASE.deciding(stream, RecordSatisfaction(score, "status_page"))(history)
            except CaseRefused:
                return []  # not closed (or no case): nothing to record

        await execute(self.store, stream, decide, metadata)

    async def _withdrawal(self, conn: Conn, event: Event, grievance_id: str) -> None:
        """The worker withdrew: the case ends with the grounds `withdrawn_by_worker`, which
        stops its deadlines (the views drop its timers) and any contact (the domain).

        In a transaction of its own, as the satisfaction above. A case this very batch opened
        is not there yet for another transaction: nobody else can have written to it, so it
        ends in the batch's own.
        """
        stream = case_stream(grievance_id)
        metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                            correlationid=event.correlationid or event.id)  # fmt: skip

        def decide(history: list[Event]) -> list[EventData]:
            if not history or any(e.causationid == event.id for e in history):
                return []  # opened in this batch (below), or recorded before: a replay
            return CASE.deciding(stream, Withdraw())(history)

        done = await execute(self.store, stream, decide, metadata)
        if done.version == 0:
            history = await read_stream_on(conn, stream)
            if history and not any(e.causationid == event.id for e in history):
                ended = CASE.deciding(stream, Withdraw())(history)
                await self.store.append(stream, ended, len(history), metadata, conn=conn)


async def _review_requested(store: EventStore, event: Event, grievance_id: str) -> None:
    """The worker asked for a review: it opens on the case, in a transaction of its own (as
    the satisfaction above); nothing when there is no decision to review or one was asked."""
    stream = case_stream(grievance_id)
    metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                        correlationid=event.correlationid or event.id)  # fmt: skip

    def decide(history: list[Event]) -> list[EventData]:
        if not history or any(e.causationid == event.id for e in history):
            return []  # no case, or recorded before: a replay
        return appeals.decide(appeals.OpenReview(), history)

    await execute(store, stream, decide, metadata)


# The kinds of event the policy applies a run of at once; the worker's reactions one by one.
_KINDS: dict[type, str] = {TimeFramesSet: "frames", SiteRegistered: "sites",
                           GrievanceSubmitted: "open", RetaliationReported: "open"}  # fmt: skip


def _runs(events: list[Event]) -> list[list[Event]]:
    """The batch in runs of consecutive events of one kind."""
    return [list(run) for _, run in groupby(events, lambda e: _KINDS.get(type(e.data), "react"))]


async def _frames_set(conn: Conn, events: list[Event]) -> None:
    latest = {e.tenant: e.data for e in events if isinstance(e.data, TimeFramesSet)}
    await conn.execute(
        """INSERT INTO frames SELECT * FROM unnest($1::text[], $2::int[], $3::int[], $4::int[])
           ON CONFLICT (tenant) DO UPDATE SET acknowledge_days = excluded.acknowledge_days,
               feedback_days = excluded.feedback_days, plan_days = excluded.plan_days""",
        list(latest), [f.acknowledge_days for f in latest.values()],
        [f.feedback_days for f in latest.values()], [f.plan_days for f in latest.values()],
    )  # fmt: skip


async def _sites_registered(conn: Conn, events: list[Event]) -> None:
    latest = {(e.tenant, e.data.site_id): e.data for e in events
              if isinstance(e.data, SiteRegistered)}  # fmt: skip
    await conn.execute(
        """INSERT INTO sites SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[])
           ON CONFLICT (tenant, site_id)
           DO UPDATE SET name = excluded.name, member_org = excluded.member_org""",
        [t for t, _ in latest], [s for _, s in latest], [s.name for s in latest.values()],
        [s.sole_member for s in latest.values()],
    )  # fmt: skip


async def _members(
    conn: Conn, sites: set[tuple[str, str | None]]
) -> dict[tuple[str, str | None], str | None]:
    """The member company of each site named (a site not registered has none)."""
    named = [(t, s) for t, s in sites if s is not None]
    if not named:
        return {}
    rows = await conn.fetch(
        """SELECT s.tenant, s.site_id, s.member_org FROM sites s
           JOIN unnest($1::text[], $2::text[]) AS v(tenant, site_id) USING (tenant, site_id)""",
        [t for t, _ in named], [s for _, s in named],
    )  # fmt: skip
    return {(r["tenant"], r["site_id"]): r["member_org"] for r in rows}


def _opening(
    event: Event, g: GrievanceSubmitted, frames: TimeFrames, member_org: str | None
) -> list[EventData]:
    command = OpenCase(
        case_id=case_stream(g.grievance_id), grievance_id=g.grievance_id,
        category=g.category.value, country=g.country, today=frames.local_day(event.time),
        frames=frames, site_id=g.site_id, member_org=member_org, language=g.language,
        identity_shareable=g.consent.reveal_identity_to_company,
    )  # fmt: skip
    return decide(command, fold([]))


async def frames_of(conn: Conn, tenants: set[str]) -> dict[str, TimeFrames]:
    """Each tenant's time frames as they stood at the events the policy applies: its own
    table, unqualified (live or a rebuild's), filled in log order. Commands read the
    tenant's stream instead (`api.tenant_frames`)."""
    rows = await conn.fetch("SELECT * FROM frames WHERE tenant = ANY($1::text[])", list(tenants))
    stored = {r["tenant"]: r for r in rows}
    found = {}
    for tenant in tenants:
        row = stored.get(tenant)
        days = TimeFrames() if row is None else TimeFrames(
            row["acknowledge_days"], row["feedback_days"], row["plan_days"]
        )  # fmt: skip
        # The working days and time zone, on the tenant's stream (tenants registered before
        # the table could hold them have them there only); a case is opened once, near the
        # filing.
        settings = (await read_tenant(conn, tenant)).settings
        found[tenant] = days if settings is None else replace(
            days, working_days=tuple(settings.working_days), time_zone=settings.time_zone
        )  # fmt: skip
    return found

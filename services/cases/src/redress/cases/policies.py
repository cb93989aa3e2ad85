"""Reactions of cases to other services' events: every submitted grievance opens a case, and
a worker's withdrawal ends it."""

from __future__ import annotations

import contextlib
from dataclasses import replace

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
from redress.events.catalogue.grievance import (
    GrievanceSubmitted,
    ReviewRequested,
    WithdrawalRequested,
    WorkerSatisfactionGiven,
)
from redress.events.catalogue.retaliation import RetaliationReported
from redress.events.catalogue.tenant import SiteRegistered, TimeFramesSet
from redress.events.envelope import SYSTEM, Event, EventData, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.ids import derived_stream
from redress.events.projection import Policy
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
        match event.data:
            case TimeFramesSet() as f:
                await conn.execute(
                    """INSERT INTO frames VALUES ($1, $2, $3, $4)
                       ON CONFLICT (tenant) DO UPDATE SET acknowledge_days = $2,
                       feedback_days = $3, plan_days = $4""",
                    event.tenant, f.acknowledge_days, f.feedback_days, f.plan_days,
                )  # fmt: skip
            case SiteRegistered() as site:
                await conn.execute(
                    """INSERT INTO sites VALUES ($1, $2, $3, $4)
                       ON CONFLICT (tenant, site_id) DO UPDATE SET name = $3, member_org = $4""",
                    event.tenant, site.site_id, site.name, site.sole_member,
                )  # fmt: skip
            case GrievanceSubmitted() as g:
                await self._open(conn, event, g)
            case WorkerSatisfactionGiven(grievance_id=gid, score=score):
                await self._satisfaction(conn, event, gid, score)
            case WithdrawalRequested(grievance_id=gid):
                await self._withdrawal(conn, event, gid)
            case ReviewRequested(grievance_id=gid):
                await self._review(event, gid)
            case RetaliationReported() as r:
                await self._retaliation(conn, event, r)

    async def _open(self, conn: Conn, event: Event, g: GrievanceSubmitted) -> None:
        member_org = g.member_org or await conn.fetchval(
            "SELECT member_org FROM sites WHERE tenant = $1 AND site_id = $2",
            event.tenant,
            g.site_id,
        )
        stream = case_stream(g.grievance_id)
        tenant_frames = await frames(conn, event.tenant)
        command = OpenCase(
            case_id=stream, grievance_id=g.grievance_id, category=g.category.value,
            country=g.country, today=tenant_frames.local_day(event.time), frames=tenant_frames,
            site_id=g.site_id, member_org=member_org, language=g.language,
            identity_shareable=g.consent.reveal_identity_to_company,
        )  # fmt: skip
        metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                            correlationid=event.correlationid or event.id)  # fmt: skip
        with contextlib.suppress(ConcurrencyError):  # opened before: this is a replay
            await self.store.append(stream, decide(command, fold([])), 0, metadata, conn=conn)

    async def _retaliation(self, conn: Conn, event: Event, r: RetaliationReported) -> None:
        """Retaliation reported: a case of its own, opened at once at high severity, and an
        alert for the officers (`cases.retaliation`)."""
        member_org = await conn.fetchval(
            "SELECT member_org FROM sites WHERE tenant = $1 AND site_id = $2",
            event.tenant,
            r.site_id,
        )
        command = retaliation.OpenRetaliationCase(
            r, event.time.date(), await frames(conn, event.tenant), member_org
        )
        metadata = Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                            correlationid=event.correlationid or event.id)  # fmt: skip
        stream = retaliation.case_of(r.report_id)
        with contextlib.suppress(ConcurrencyError):  # opened before: this is a replay
            events = retaliation.decide(command, fold([]))
            await self.store.append(stream, events, 0, metadata, conn=conn)

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


async def frames(conn: Conn, tenant: str) -> TimeFrames:
    """A tenant's time frames as they stood at the event the policy applies: its own table,
    unqualified (live or a rebuild's), filled in log order. Commands read the tenant's
    stream instead (`api.tenant_frames`)."""
    row = await conn.fetchrow("SELECT * FROM frames WHERE tenant = $1", tenant)
    # The working days and time zone, on the tenant's stream (tenants registered before the
    # table could hold them have them there only); a case is opened once, near the filing.
    settings = (await read_tenant(conn, tenant)).settings
    days = TimeFrames() if row is None else TimeFrames(
        row["acknowledge_days"], row["feedback_days"], row["plan_days"]
    )  # fmt: skip
    if settings is None:
        return days
    return replace(days, working_days=tuple(settings.working_days), time_zone=settings.time_zone)

"""Reactions of referral to other services' events.

A `ReferralRecommended` of cases opens the case's referral, with the partners the directory
suggests; a worker's answer on the status page (`ReferralConsentAnswered`, from intake) is
recorded on the referral as their consent. The policy reads the case, and the directory, from
the event log, where they are committed before the event it reacts to; of the grievance it
keeps only the worker's first indication, in a table of its own.
"""

from __future__ import annotations

import contextlib

from redress.events.application import execute
from redress.events.catalogue.case import CaseOpened, ReferralRecommended
from redress.events.catalogue.grievance import GrievanceSubmitted, ReferralConsentAnswered
from redress.events.catalogue.referral import ConsentChannel, ConsentGiver, SharedField
from redress.events.envelope import SYSTEM, Event, EventData, Metadata
from redress.events.errors import ConcurrencyError
from redress.events.ids import derived_stream
from redress.events.projection import Policy
from redress.events.store import Conn, EventStore
from redress.referral.directory import DIRECTORY, Directory
from redress.referral.domain import REFERRAL, OpenReferral, RecordConsent, Sending
from redress.referral.ranking import Case, suggest
from redress.referral.state import ReferralRefused


def referral_stream(case_id: str) -> str:
    """One referral per case, its id fixed by the case."""
    return derived_stream("referral", case_id)


def directory_stream(tenant: str) -> str:
    return derived_stream("partner", tenant)


async def directory(store: EventStore, tenant: str, conn: Conn | None = None) -> Directory:
    """The tenant's directory as the log has it."""
    stream = directory_stream(tenant)
    return DIRECTORY.fold(stream, await store.read_stream(stream, conn=conn))


def caused_by(event: Event) -> Metadata:
    return Metadata(tenant=event.tenant, actor=SYSTEM, causationid=event.id,
                    correlationid=event.correlationid or event.id)  # fmt: skip


class OpenReferrals(Policy):
    name = "open_referrals"
    schema = "referral"
    stream_types = ("case", "grievance")
    handles = (GrievanceSubmitted, ReferralRecommended, ReferralConsentAnswered)
    tables = ("indications",)

    async def apply(self, conn: Conn, event: Event) -> None:
        match event.data:
            case GrievanceSubmitted(grievance_id=gid, consent=consent):
                await conn.execute(
                    "INSERT INTO indications VALUES ($1, $2) ON CONFLICT DO NOTHING",
                    gid, consent.share_with_support_services,
                )  # fmt: skip
            case ReferralRecommended() as recommended:
                await self._open(conn, event, recommended)
            case ReferralConsentAnswered() as answered:
                await self._consent(event, answered)

    async def _open(self, conn: Conn, event: Event, r: ReferralRecommended) -> None:
        case_events = await self.store.read_stream(event.stream, conn=conn)
        opened = next((e.data for e in case_events if isinstance(e.data, CaseOpened)), None)
        if opened is None:  # pragma: no cover - cases opens every case before triage
            raise LookupError(f"{event.stream} recommends a referral but was never opened")
        share = await conn.fetchval(
            "SELECT share FROM indications WHERE grievance_id = $1", opened.grievance_id
        )
        case = Case(opened.country, tuple(r.reasons), opened.category, opened.language)
        partners = (await directory(self.store, event.tenant, conn)).partners.values()
        stream = referral_stream(event.stream)
        command = OpenReferral(
            case_id=event.stream, grievance_id=opened.grievance_id, category=opened.category,
            country=opened.country, language=opened.language, reasons=tuple(r.reasons),
            worker_indication=bool(share),
            suggested=tuple(s.partner_id for s in suggest(partners, case)),
        )  # fmt: skip
        with contextlib.suppress(ConcurrencyError):  # opened before: this is a replay
            new = REFERRAL.deciding(stream, command)([])
            await self.store.append(stream, new, 0, caused_by(event), conn=conn)

    async def _consent(self, event: Event, answered: ReferralConsentAnswered) -> None:
        """The worker's own answer joins the referral, in a transaction of its own (ADR 6):
        the batch's transaction is older than an officer's writes to the referral meanwhile.
        Its causation id makes a replay find it recorded."""
        stream = answered.referral_id
        if not stream.startswith("referral-"):
            return
        hours = (await directory(self.store, event.tenant)).acknowledge_hours
        fields = tuple(SharedField(f) for f in answered.fields if f in SharedField.__members__)
        command = RecordConsent(
            answered.partner_id, answered.answer, ConsentGiver.worker, ConsentChannel.status_page,
            event.time, Sending(event.time, hours), fields,
        )  # fmt: skip

        def decide(history: list[Event]) -> list[EventData]:
            if any(e.causationid == event.id for e in history):
                return []  # recorded before: this is a replay
            if not history or history[0].tenant != event.tenant:
                return []
            opened = history[0].data
            if getattr(opened, "grievance_id", None) != answered.grievance_id:
                return []  # a receipt answers only for its own grievance's referral
            try:
                return REFERRAL.deciding(stream, command)(history)
            except ReferralRefused:
                return []  # answered already, or the partner's part ended: nothing to record

        await execute(self.store, stream, decide, caused_by(event))

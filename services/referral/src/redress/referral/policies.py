"""Reactions of referral to other services' events.

A `ReferralRecommended` of cases opens the case's referral, with the partners the directory
suggests; a worker's answer on the status page (`ReferralConsentAnswered`, from intake) is
recorded on the referral as their consent. The policy reads the case, and the directory, from
the event log, where they are committed before the event it reacts to; of the grievance it
keeps only the worker's first indication, in a table of its own. A batch is decided at once:
its cases, indications and directories read in a statement each, its referrals opened in one.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from redress.events.application import execute
from redress.events.catalogue.case import CaseOpened, ReferralRecommended
from redress.events.catalogue.grievance import Channel, GrievanceSubmitted
from redress.events.catalogue.grievance_answers import ReferralConsentAnswered
from redress.events.catalogue.referral import ConsentChannel, ConsentGiver, SharedField
from redress.events.envelope import SYSTEM, Event, EventData, Metadata
from redress.events.ids import derived_stream
from redress.events.opening import NewStream, open_streams
from redress.events.projection import Policy, columns, of_kind
from redress.events.store import Conn, EventStore, read_streams_on
from redress.referral.directory import DIRECTORY, Directory, Partner
from redress.referral.domain import REFERRAL, OpenReferral, RecordConsent, Sending, Withdraw
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


def sending_by(found: Directory, now: datetime) -> Sending:
    """A sending `now`, under the directory's hours to acknowledge and its retired partners."""
    retired = frozenset(pid for pid, partner in found.partners.items() if partner.retired)
    return Sending(now, found.acknowledge_hours, retired)


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
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """The batch decided at once: its referrals opened in one statement in the batch's
        transaction, since they create their streams (ADR 6), and the workers' indications
        in another; then each worker's consent, in a transaction of its own, in turn."""
        opened = await self._openings(conn, events)
        filed = [(g.grievance_id, g.consent.share_with_support_services)
                 for _, g in of_kind(events, GrievanceSubmitted)]  # fmt: skip
        if filed:
            # The first indication of a grievance is kept, as the batch's order has it.
            await conn.execute(
                "INSERT INTO indications SELECT * FROM unnest($1::text[], $2::bool[]) "
                "ON CONFLICT DO NOTHING",
                *columns(filed),
            )  # fmt: skip
        await open_streams(self.store, conn, opened)  # a referral opened before: a replay
        for event, answered in of_kind(events, ReferralConsentAnswered):
            await self._consent(event, answered)

    async def _openings(self, conn: Conn, events: list[Event]) -> list[NewStream]:
        """The referral each recommendation opens, as if each were decided in turn: with the
        worker's indication as the table held it before the batch, or else as the batch's
        first filing before the recommendation gave it; the case and the directory as the
        log has them."""
        recommended = of_kind(events, ReferralRecommended)
        if not recommended:
            return []
        streams = await read_streams_on(conn, [e.stream for e, _ in recommended], ["CaseOpened"])
        cases = {case: next((e.data for e in history if isinstance(e.data, CaseOpened)), None)
                 for case, history in streams.items()}  # fmt: skip
        rows = await conn.fetch(
            "SELECT grievance_id, share FROM indications WHERE grievance_id = ANY($1::text[])",
            [c.grievance_id for c in cases.values() if c is not None],
        )
        shares: dict[str, bool] = {r["grievance_id"]: r["share"] for r in rows}
        tenants = {directory_stream(e.tenant): e.tenant for e, _ in recommended}
        logs = await read_streams_on(conn, list(tenants))
        partners = {tenants[s]: DIRECTORY.fold(s, log).partners for s, log in logs.items()}
        opened = []
        for event in events:
            match event.data:
                case GrievanceSubmitted(grievance_id=gid, consent=consent):
                    shares.setdefault(gid, consent.share_with_support_services)
                case ReferralRecommended() as r:
                    stream = referral_stream(event.stream)
                    command = _opening(event, r, cases[event.stream], shares,
                                       partners[event.tenant])  # fmt: skip
                    decided = REFERRAL.deciding(stream, command)([])
                    opened.append(NewStream(stream, decided, caused_by(event)))
        return opened

    async def _consent(self, event: Event, answered: ReferralConsentAnswered) -> None:
        """The worker's own answer joins the referral, in a transaction of its own (ADR 6):
        the batch's transaction is older than an officer's writes to the referral meanwhile.
        Its causation id makes a replay find it recorded."""
        stream = answered.referral_id
        if not stream.startswith("referral-"):
            return
        sending = sending_by(await directory(self.store, event.tenant), event.time)
        fields = tuple(SharedField(f) for f in answered.fields if f in SharedField.__members__)
        # On the phone, the operator wrote down what the worker said: that is how it was given.
        channel = ConsentChannel.phone if answered.channel is Channel.hotline else (
            ConsentChannel.status_page)  # fmt: skip
        command = RecordConsent(
            answered.partner_id, answered.answer, ConsentGiver.worker, channel, event.time,
            sending, fields,
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
            except ReferralRefused as refused:
                if refused.kind != "partner-retired":
                    return []  # answered already, or the partner's part ended: nothing to record
            # A yes to a partner retired since it was chosen: nothing is sent, and the part is
            # withdrawn, so that the worker's page and the officer's say it will not go ahead.
            try:
                return REFERRAL.deciding(stream, Withdraw(answered.partner_id))(history)
            except ReferralRefused:
                return []

        # On the phone, the operator who heard the worker wrote it down: the record names them.
        metadata = caused_by(event)
        if answered.channel is Channel.hotline:
            metadata = metadata.model_copy(update={"actor": event.actor})
        await execute(self.store, stream, decide, metadata)


def _opening(event: Event, r: ReferralRecommended, opened: CaseOpened | None,
             shares: dict[str, bool], partners: Mapping[str, Partner]) -> OpenReferral:  # fmt: skip
    if opened is None:  # pragma: no cover - cases opens every case before triage
        raise LookupError(f"{event.stream} recommends a referral but was never opened")
    case = Case(opened.country, tuple(r.reasons), opened.category, opened.language)
    return OpenReferral(
        case_id=event.stream, grievance_id=opened.grievance_id, category=opened.category,
        country=opened.country, language=opened.language, reasons=tuple(r.reasons),
        worker_indication=bool(shares.get(opened.grievance_id)),
        suggested=tuple(s.partner_id for s in suggest(partners.values(), case)),
    )  # fmt: skip

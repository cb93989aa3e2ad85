"""Which case events become texts to the worker: a projection that queues them (`texts`).

Transport-free: it only writes the outbox, in the batch's transaction, keyed by the event and
the kind of text, so a replay queues nothing twice; `sender` sends. A text is queued only
while the worker allows contact, and only for news (an event older than `NEWS_FOR`, met on
a rebuild or when this is first deployed, is not news to text about).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from typing import Any

from redress.events.catalogue.case import (
    CaseClosed,
    CaseOpened,
    CaseRejected,
    GrievanceCorrected,
    MessageSentToWorker,
    StageEntered,
)
from redress.events.catalogue.grievance import GrievanceSubmitted, PersonalDataErased
from redress.events.catalogue.grievance_answers import ContactConsentChanged
from redress.events.catalogue.texts import TextKind
from redress.events.envelope import Event
from redress.events.projection import Projection, columns, of_kind, rounds
from redress.events.store import Conn
from redress.intake.sms_texts import STAGES_TEXTED

NEWS_FOR = timedelta(days=2)


def text_id(event: Event, kind: TextKind) -> str:
    """One text per kind per event: the outbox's key, and the provider's idempotency key."""
    return f"{event.id}:{kind.value}"


class Texting(Projection):
    name = "texting"
    schema = "intake"
    stream_types = ("grievance", "case")
    handles = (
        GrievanceSubmitted, ContactConsentChanged, PersonalDataErased, GrievanceCorrected,
        CaseOpened, StageEntered, MessageSentToWorker, CaseRejected, CaseClosed,
    )  # fmt: skip
    tables = ("followers",)

    async def apply(self, conn: Conn, event: Event) -> None:
        await self.apply_batch(conn, [event])

    async def apply_batch(self, conn: Conn, events: list[Event]) -> None:
        """In rounds, one event per grievance: texts queued only while its worker allows
        contact, as they stood at the event; each round a statement per table."""
        changes = [e for e in events if _changes(e)]
        for taken in rounds(changes, _grievance, _kind):
            data = taken[0].data
            if isinstance(data, _QUEUED):
                await _queue(conn, [t for e in taken for t in _texts(e)])
            elif isinstance(data, GrievanceSubmitted):
                await conn.execute(
                    """INSERT INTO followers SELECT * FROM unnest($1::text[], $2::text[],
                           $3::text[], $4::text[], $5::bool[])
                       ON CONFLICT (grievance_id) DO NOTHING""",
                    *columns((g.grievance_id, e.tenant, g.receipt_reference, g.language,
                              g.consent.contact_me) for e, g in of_kind(taken, GrievanceSubmitted)),
                )  # fmt: skip
            elif isinstance(data, ContactConsentChanged):
                await conn.execute(
                    """UPDATE followers f SET contact_me = v.c
                       FROM unnest($1::text[], $2::bool[]) AS v(g, c) WHERE f.grievance_id = v.g""",
                    *columns((c.grievance_id, c.contact_me)
                             for _, c in of_kind(taken, ContactConsentChanged)),
                )  # fmt: skip
            elif isinstance(data, GrievanceCorrected):
                await conn.execute(
                    """UPDATE followers f SET language = v.language
                       FROM unnest($1::text[], $2::text[]) AS v(g, language)
                       WHERE f.grievance_id = v.g""",
                    *columns((c.grievance_id, c.language)
                             for _, c in of_kind(taken, GrievanceCorrected)),
                )  # fmt: skip
            elif isinstance(data, PersonalDataErased):
                erased = [e.grievance_id for _, e in of_kind(taken, PersonalDataErased)]
                await conn.execute(
                    "DELETE FROM followers WHERE grievance_id = ANY($1::text[])", erased
                )
                await conn.execute(
                    """UPDATE intake.texts SET state = 'skipped'
                       WHERE grievance_id = ANY($1::text[]) AND state IN ('pending', 'sending')""",
                    erased,
                )


# The case's news texted to the worker: the texts of each event, and when there are none.
_QUEUED = (CaseOpened, StageEntered, MessageSentToWorker, CaseRejected, CaseClosed)


def _changes(event: Event) -> bool:
    """Whether the event writes anything: news to text, or a follower changed."""
    if isinstance(event.data, _QUEUED):
        return bool(_texts(event))
    if isinstance(event.data, GrievanceCorrected):
        return event.data.language is not None
    return True


def _texts(event: Event) -> list[tuple[str, str, str, str]]:
    """The texts the event queues (text id, grievance, kind, parameters): none for old news,
    a stage not texted, or a correction that leaves the language."""
    if event.time < datetime.now(UTC) - NEWS_FOR:
        return []
    found: list[tuple[TextKind, dict[str, Any]]] = []
    match event.data:
        case CaseOpened():
            found = [(TextKind.acknowledged, {})]
        case StageEntered(stage=stage) if stage in STAGES_TEXTED:
            found = [(TextKind.stage, {"stage": stage})]
        case MessageSentToWorker(message=message):
            found = [(TextKind.message, {"sealed": message.model_dump()})]
        case CaseRejected(grounds=grounds) if grounds != "withdrawn_by_worker":
            found = [(TextKind.rejected, {"grounds": grounds})]
        case CaseClosed(outcome=outcome):
            found = [(TextKind.outcome, {"outcome": outcome}), (TextKind.satisfaction, {})]
    return [(text_id(event, kind), _grievance(event), kind.value, json.dumps(params))
            for kind, params in found]  # fmt: skip


async def _queue(conn: Conn, texts: list[tuple[str, str, str, str]]) -> None:
    await conn.execute(
        """INSERT INTO intake.texts (text_id, tenant, grievance_id, kind, params)
           SELECT v.text_id, f.tenant, f.grievance_id, v.kind, v.params
           FROM unnest($1::text[], $2::text[], $3::text[], $4::jsonb[])
                AS v(text_id, g, kind, params)
           JOIN followers f ON f.grievance_id = v.g AND f.contact_me
           ON CONFLICT (text_id) DO NOTHING""",
        *columns(texts),
    )


def _grievance(event: Event) -> str:
    grievance_id: str = getattr(event.data, "grievance_id")  # noqa: B009 - all it reads have one
    return grievance_id


def _kind(event: Event) -> object:
    return _QUEUED if isinstance(event.data, _QUEUED) else type(event.data)

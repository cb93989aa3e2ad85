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
from redress.events.catalogue.grievance import (
    ContactConsentChanged,
    GrievanceSubmitted,
    PersonalDataErased,
)
from redress.events.catalogue.texts import TextKind
from redress.events.envelope import Event
from redress.events.projection import Projection
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
        match event.data:
            case GrievanceSubmitted() as g:
                await conn.execute(
                    """INSERT INTO followers VALUES ($1, $2, $3, $4, $5)
                       ON CONFLICT (grievance_id) DO NOTHING""",
                    g.grievance_id, event.tenant, g.receipt_reference, g.language,
                    g.consent.contact_me,
                )  # fmt: skip
            case ContactConsentChanged(grievance_id=gid, contact_me=contact_me):
                await conn.execute(
                    "UPDATE followers SET contact_me = $2 WHERE grievance_id = $1", gid, contact_me
                )
            case PersonalDataErased(grievance_id=gid):
                await conn.execute("DELETE FROM followers WHERE grievance_id = $1", gid)
                await conn.execute(
                    """UPDATE intake.texts SET state = 'skipped'
                       WHERE grievance_id = $1 AND state IN ('pending', 'sending')""",
                    gid,
                )
            case GrievanceCorrected(grievance_id=gid, language=str() as lang):
                await conn.execute(
                    "UPDATE followers SET language = $2 WHERE grievance_id = $1", gid, lang
                )
            case CaseOpened(grievance_id=gid):
                await self._queue(conn, event, gid, TextKind.acknowledged, {})
            case StageEntered(grievance_id=gid, stage=stage) if stage in STAGES_TEXTED:
                await self._queue(conn, event, gid, TextKind.stage, {"stage": stage})
            case MessageSentToWorker(grievance_id=gid, message=message):
                sealed = message.model_dump()
                await self._queue(conn, event, gid, TextKind.message, {"sealed": sealed})
            case CaseRejected(grievance_id=gid, grounds=grounds) if (
                grounds != "withdrawn_by_worker"
            ):
                await self._queue(conn, event, gid, TextKind.rejected, {"grounds": grounds})
            case CaseClosed(grievance_id=gid, outcome=outcome):
                await self._queue(conn, event, gid, TextKind.outcome, {"outcome": outcome})
                await self._queue(conn, event, gid, TextKind.satisfaction, {})

    @staticmethod
    async def _queue(
        conn: Conn, event: Event, grievance_id: str, kind: TextKind, params: dict[str, Any]
    ) -> None:
        if event.time < datetime.now(UTC) - NEWS_FOR:
            return
        await conn.execute(
            """INSERT INTO intake.texts (text_id, tenant, grievance_id, kind, params)
               SELECT $1, tenant, grievance_id, $3, $4::jsonb FROM followers
               WHERE grievance_id = $2 AND contact_me
               ON CONFLICT (text_id) DO NOTHING""",
            text_id(event, kind), grievance_id, kind.value, json.dumps(params),
        )  # fmt: skip

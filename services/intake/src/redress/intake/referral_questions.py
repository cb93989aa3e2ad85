"""A text to the worker that a question waits for them: a support service was chosen and
their consent is asked.

Written with intake's own record of the request (`referral_requests`, in the same batch), the
worker's receipt (written when they filed) and their grievance's stream, where their
consent to contact is: never another projection's table, which may be behind or rebuilding
and would lose the text for good. The words name neither a referral nor a partner: whoever
else reads the phone must not learn of it (`sms_texts.SMS_QUESTION`).
"""

from __future__ import annotations

import json
from datetime import UTC, datetime

from redress.events.catalogue.referral import PartnerSelected
from redress.events.catalogue.texts import TextKind
from redress.events.envelope import Event
from redress.events.projection import of_kind, write_rows
from redress.events.store import Conn, read_streams_on
from redress.intake.domain import fold
from redress.intake.filing import grievance_stream
from redress.intake.texting import NEWS_FOR, text_id


async def asked(conn: Conn, events: list[Event]) -> None:
    """Queue the text for each request of the batch whose worker allows contact now (news
    only, as every text: `texting.NEWS_FOR`), once per request whatever replays it; the
    sender checks consent again when it sends."""
    news = datetime.now(UTC) - NEWS_FOR
    fresh = [e for e, _ in of_kind(events, PartnerSelected) if e.time >= news]
    if not fresh:
        return
    rows = await conn.fetch(
        """SELECT r.referral_id, r.tenant, r.grievance_id, rc.reference
           FROM intake.referrals r JOIN intake.receipts rc USING (grievance_id)
           WHERE r.referral_id = ANY($1::text[])""",
        [e.stream for e in fresh],
    )
    of = {row["referral_id"]: row for row in rows}
    logs = await read_streams_on(conn, [grievance_stream(r["grievance_id"]) for r in rows])
    allows = {stream for stream, log in logs.items() if fold([e.data for e in log]).contact_me}
    await write_rows(
        conn,
        """INSERT INTO intake.texts (text_id, tenant, grievance_id, kind, params)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::jsonb[])
           ON CONFLICT (text_id) DO NOTHING""",
        [(text_id(e, TextKind.question), row["tenant"], row["grievance_id"],
          TextKind.question.value, json.dumps({"reference": row["reference"]}))
         for e in fresh if (row := of.get(e.stream)) is not None
         and grievance_stream(row["grievance_id"]) in allows],
    )  # fmt: skip

"""What a number asks for by one word alone, said in every language as SMS providers know
them: STOP and START (texts about its reports), STATUS (where they stand)."""

from __future__ import annotations

import unicodedata

from redress.events.envelope import Metadata
from redress.events.store import Conn, EventStore, read_stream_on
from redress.intake.context import Intake
from redress.intake.domain import ChangeContactConsent, Grievance, Status, decide, fold
from redress.intake.filing import grievance_stream
from redress.intake.lookup_keys import NumberKeys
from redress.intake.sms_texts import (
    CALL_US,
    CONTACT_ALLOWED,
    CONTACT_STOPPED,
    SMS_NO_REPORT,
    SMS_STAGE,
)
from redress.intake.texts import STATUS, status_key


async def load(conn: Conn, stream: str) -> tuple[Grievance, int]:
    """The grievance as this transaction reads it, and its version to append at."""
    events = await read_stream_on(conn, stream)
    return fold([e.data for e in events]), len(events)


def keyword(text: str) -> str:
    """A text as a word alone, if it is one: in capitals, without the spaces and the marks
    a phone's keyboard or its owner puts around it ("Status?", "STOP.", "status ।")."""
    start, end = 0, len(text)
    while start < end and _around(text[start]):
        start += 1
    while end > start and _around(text[end - 1]):
        end -= 1
    return text[start:end].upper()


def _around(ch: str) -> bool:
    return ch.isspace() or unicodedata.category(ch).startswith("P")


# The words by which a number stops texts, or asks for them again, as SMS providers know them
# (not "YES", "END" or "CANCEL": said alone, those may answer the officer).
STOP = frozenset({"STOP", "STOPALL", "UNSUBSCRIBE"})
START = frozenset({"START", "UNSTOP"})


async def contact(
    conn: Conn, store: EventStore, intake: Intake, metadata: Metadata, keys: NumberKeys,
    allowed: bool, language: str,
) -> str:  # fmt: skip
    """STOP or START from a number: contact about every report texted to it stops or starts
    again (filed by text, or on the web or by a member with this number to contact), since
    each is texted to the number; nothing is filed (a number without a report has nothing to
    stop)."""
    for grievance_id in await _reports_of(conn, metadata.tenant, keys.candidates):
        stream = grievance_stream(grievance_id)
        state, version = await load(conn, stream)
        if state.status in (Status.none, Status.erased):
            continue
        events = decide(ChangeContactConsent(grievance_id, allowed), state)
        if events:
            await store.append(stream, events, version, metadata, conn=conn)
        language = state.language or language  # the newest report's, read last
    said = CONTACT_ALLOWED if allowed else CONTACT_STOPPED
    return str(intake.pages.gettext(language)(said))


# The most reports of one number a text changes at once; a number holds a handful at most.
MOST_REPORTS = 50
# The word by which a number asks where its reports stand, as STOP is said in every language.
STATUS_WORDS = frozenset({"STATUS"})
# The newest reports STATUS tells of: one text's worth (a number holds a handful at most).
MOST_TOLD = 3


async def where(
    conn: Conn, intake: Intake, tenant: str, keys: NumberKeys, language: str, hotline: str | None
) -> str:
    """Where each report texted to the number stands, as its worker's page says it, newest
    first, then the hotline. A report whose worker stopped texts is left out (STATUS is told
    as the stage texts are): whoever holds the phone now may not be the worker, and the
    answer for a number with none to tell of says nothing of whether one exists."""
    newest_first = list(reversed(await _reports_of(conn, tenant, keys.candidates)))
    found = await conn.fetch(
        """SELECT g.grievance_id, g.reference, g.status, g.stage, g.grounds, f.language
           FROM intake.grievances g JOIN intake.followers f USING (grievance_id)
           WHERE g.grievance_id = ANY($1::text[]) AND g.tenant = $2 AND f.contact_me
             AND g.status <> 'erased'""",
        newest_first, tenant,
    )  # fmt: skip
    rows = sorted(found, key=lambda r: newest_first.index(r["grievance_id"]))[:MOST_TOLD]
    language = rows[0]["language"] if rows else language
    _ = intake.pages.gettext(language)
    said = [
        _(SMS_STAGE)
        % {"reference": r["reference"], "stage": _(STATUS.get(status_key(r), STATUS["received"]))}
        for r in rows
    ] or [_(SMS_NO_REPORT)]
    if hotline:  # as the text's answer read the initiative, once
        said.append(_(CALL_US) % {"hotline": hotline})
    # A line each: a stage is said without a full stop ("Being checked"), in any script.
    return "\n".join(said)


async def _reports_of(conn: Conn, tenant: str, hashes: list[str]) -> list[str]:
    """The reports texted to a number, oldest first: those filed with it to contact
    (`contact_keys`) and the one its texts join (`sms_threads`), by when each was tied to
    it (an id keyed on a member's reference does not grow with time)."""
    rows = await conn.fetch(
        """SELECT grievance_id FROM (
               SELECT grievance_id, filed_at FROM intake.contact_keys
               WHERE tenant = $1 AND contact_key = ANY($2::text[])
               UNION ALL
               SELECT grievance_id, filed_at FROM intake.sms_threads
               WHERE tenant = $1 AND thread_key = ANY($2::text[])
           ) r GROUP BY grievance_id
           ORDER BY min(filed_at) DESC, grievance_id DESC LIMIT $3""",
        tenant, hashes, MOST_REPORTS,
    )  # fmt: skip
    return [r["grievance_id"] for r in reversed(rows)]

"""Erasing an assessment's evidence: its organisation's people destroy the assessment's data
key, so that the evidence sealed under it (answers' texts and links in the log, files in
assessment's table) can no longer be read anywhere, and delete the files' content.

Crypto-shredding, as a grievance's personal data is erased (docs/assessment.md): the log
stays whole; the key's row, deleted, is unrecoverable from WAL and backups after the next
key-encryption-key rotation (ADR 8). Answers, reviews and the rating stand.
"""

from __future__ import annotations

from collections.abc import Sequence

from fastapi import APIRouter

from redress.assessment import requests as r
from redress.assessment.api import AssessmentId, Member
from redress.assessment.context import AssessmentDesk, Desk
from redress.assessment.handlers import NOT_FOUND, respondent_of
from redress.events.application import Within, execute
from redress.events.catalogue.assessment import EvidenceErased
from redress.events.envelope import Event, EventData
from redress.kit.auth import Principal
from redress.kit.crypto import evidence_key_id
from redress.kit.deps import metadata_for
from redress.kit.errors import Problem

router = APIRouter(prefix="/v1/assessments", tags=["evidence files"])


async def erase(desk: Desk, p: Principal, assessment_id: str) -> r.Written:
    """Destroy the key and the files' content, and record it, in one transaction; nothing is
    recorded when nothing sealed is left (an erasure repeated)."""
    if not assessment_id.startswith("assessment-"):
        raise Problem(404, "not-found", NOT_FOUND)
    within, key_id = Within(), evidence_key_id(assessment_id)

    async def decide(history: list[Event]) -> Sequence[EventData]:
        respondent_of(p, history)
        conn = within.conn
        assert conn is not None  # lent by `execute`, in the write's transaction
        # The one keyring deletion assessment may make: an evidence key (migration 008).
        erased = await conn.fetchval("SELECT keyring.erase_evidence_key($1)", key_id)
        deleted = await conn.execute(
            "DELETE FROM assessment.evidence_files WHERE assessment_id = $1", assessment_id
        )
        files = int(deleted.split()[-1])
        return [EvidenceErased(key_id=key_id, files=files)] if erased or files else []

    done = await execute(desk.store, assessment_id, decide, metadata_for(p), transaction=within)
    return r.Written(assessment_id=assessment_id, version=done.version)


@router.post("/{assessment_id}/evidence/erase", response_model=r.Written)
async def erase_evidence(assessment_id: AssessmentId, p: Member, desk: AssessmentDesk
                         ) -> r.Written:  # fmt: skip
    """Erase the evidence of an assessment of your organisation: its texts, links and files
    can no longer be read, in the log or anywhere else; answers and rating stand."""
    return await erase(desk, p, assessment_id)

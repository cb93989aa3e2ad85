"""An assessment as CSV: one row per criterion, in the framework's order, with the answer,
its evidence and review, and the level the criterion belongs to; spreadsheet-safe."""

from __future__ import annotations

import csv
import io
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response

from redress.assessment.api import AssessmentId, Reader, behind, found
from redress.assessment.context import AssessmentDesk, Desk
from redress.assessment.reading import framework_of
from redress.kit.deps import Pool
from redress.kit.openapi import MinVersion, not_yet_readable

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])
COLUMNS = ("group", "level", "rank", "criterion", "text", "ungp", "source", "answer", "reason",
           "evidence", "answered_by", "answered_at", "review")  # fmt: skip
_FORMULA = ("=", "+", "-", "@", "\t", "\r")


def cell(value: Any) -> str:
    """Text a spreadsheet shows as text, never runs as a formula (OWASP CSV injection)."""
    text = "" if value is None else str(value)
    return f"'{text}" if text.startswith(_FORMULA) else text


def rows(one: dict[str, Any], levels: tuple[str, ...], criteria: dict[str, Any]
         ) -> list[list[str]]:  # fmt: skip
    out = []
    for c in criteria.values():
        a = one["answers"].get(c.id) or {}
        evidence = " | ".join(" ".join(x for x in (e.get("text"), e.get("url")) if x)
                              for e in a.get("evidence", []))  # fmt: skip
        out.append([cell(v) for v in (
            c.group, levels[c.level] if c.level is not None else "", c.rank, c.id, c.text,
            " ".join(u.letter for u in c.ungp), f"seed {c.source.seed}, {c.source.section}",
            a.get("answer"), a.get("reason"), evidence, a.get("answered_by"),
            a.get("answered_at"), a.get("review"),
        )])  # fmt: skip
    return out


@router.get(
    "/{assessment_id}/export.csv",
    response_class=Response,
    responses={200: {"content": {"text/csv": {"schema": {"type": "string"}}},
                     "description": "one row per criterion"}},
)  # fmt: skip
async def export_csv(assessment_id: AssessmentId, p: Reader, pool: Pool,
                     desk: AssessmentDesk, min_version: MinVersion = None) -> Response:  # fmt: skip
    """The assessment as CSV (UTF-8 with a byte order mark, for spreadsheets)."""
    if await behind(pool, desk, p, assessment_id, min_version):
        return not_yet_readable()
    return await as_csv(await found(pool, p, assessment_id, desk.keyring), desk)


async def as_csv(one: dict[str, Any], desk: Desk) -> Response:
    framework = framework_of(one, desk.frameworks)
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    writer.writerow(COLUMNS)
    writer.writerows(rows(one, framework.levels, framework.criteria()))
    name = f"{one['assessment_id']}.csv"
    return Response("\ufeff" + buffer.getvalue(), media_type="text/csv; charset=utf-8",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

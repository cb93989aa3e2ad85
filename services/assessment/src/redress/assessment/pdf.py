"""An assessment as PDF, for a board pack or an auditor's file: its score per step, the
rating, the platform's figures and the answers they contradict, the action plan, and each
criterion with its answer, evidence and review, in the framework's order.

Rendered by WeasyPrint, whose text layout is Pango's with HarfBuzz shaping: Arabic joins
and runs right to left, Bengali's conjuncts and vowel signs form, in the Noto fonts that
`.ci/run` and the image install (ADR 30). A draft has no PDF: what is printed was submitted.
"""

from __future__ import annotations

import asyncio
import unicodedata
from datetime import datetime
from pathlib import Path
from typing import Any

from fastapi import APIRouter
from fastapi.responses import Response
from jinja2 import Environment, FileSystemLoader, select_autoescape

from redress.assessment import evidence
from redress.assessment import queries as q
from redress.assessment.api import AssessmentId, Reader, behind, found
from redress.assessment.context import AssessmentDesk, Desk
from redress.assessment.reading import framework_of, rating_said, scored
from redress.kit.console import human
from redress.kit.deps import Pool
from redress.kit.errors import Problem
from redress.kit.openapi import MinVersion, answers, not_yet_readable

router = APIRouter(prefix="/v1/assessments", tags=["assessments"])
_TEMPLATES = Environment(
    loader=FileSystemLoader(Path(__file__).parent / "templates"),
    autoescape=select_autoescape(["html"]),
    trim_blocks=True,
    lstrip_blocks=True,
)
# One PDF at a time per process: rendering is CPU work off the event loop, and a burst of
# exports must not take every core from the API.
_ONE_AT_A_TIME = asyncio.Semaphore(1)


def direction(text: str | None) -> str:
    """`rtl` for text whose first strong character runs right to left (Arabic, Hebrew...)."""
    for char in text or "":
        kind = unicodedata.bidirectional(char)
        if kind in ("R", "AL"):
            return "rtl"
        if kind == "L":
            return "ltr"
    return "ltr"


_TEMPLATES.filters.update(human=human, direction=direction)


def _nothing_fetched(url: str, *args: Any, **kwargs: Any) -> dict[str, Any]:
    """The document is whole in itself: no link an answer holds is ever fetched."""
    raise ValueError(f"not fetched: {url[:80]}")


def render(one: dict[str, Any], desk: Desk) -> bytes:
    """The PDF of a scored assessment (pure but for the fonts it finds)."""
    import weasyprint  # Pango is loaded on the first export, not when the service starts

    framework = framework_of(one, desk.frameworks)
    flagged = {f["criterion"]: f for f in (one["evidence"] or {}).get("contradicted", [])}
    html = _TEMPLATES.get_template("export.html").render(
        a=one,
        f=framework,
        criteria=framework.criteria(),
        flagged=flagged,
        rating_said=rating_said(one["thread"]),
    )
    document = weasyprint.HTML(string=html, url_fetcher=_nothing_fetched)
    pdf: bytes = document.write_pdf()
    return pdf


_PDF: dict[int | str, dict[str, Any]] = {
    200: {
        "content": {"application/pdf": {"schema": {"type": "string", "format": "binary"}}},
        "description": "the assessment as a PDF document",
    }
}


@router.get("/{assessment_id}/export.pdf", response_class=Response, responses=_PDF | answers(409))
async def export_pdf(assessment_id: AssessmentId, p: Reader, pool: Pool,
                     desk: AssessmentDesk, min_version: MinVersion = None) -> Response:  # fmt: skip
    """The assessment as PDF, once submitted (a draft is 409 `not-submitted`)."""
    if await behind(pool, desk, p, assessment_id, min_version):
        return not_yet_readable()
    return await as_pdf(await found(pool, p, assessment_id, desk.keyring), desk)


async def as_pdf(one: dict[str, Any], desk: Desk) -> Response:
    if one["status"] == "draft":
        detail = "a PDF is made of a submitted assessment; a draft exports as CSV"
        raise Problem(409, "not-submitted", detail)
    facts = None
    async with desk.pool.acquire() as conn:
        if framework_of(one, desk.frameworks).audience == "member":
            # The 12 months before submission, as the reviewer saw them.
            as_of = datetime.fromisoformat(one["submitted_at"])
            facts = await evidence.facts(conn, one["tenant"], one["org"], as_of)
        actions = await q.actions(conn, one["assessment_id"])
    shown = scored(one, desk.frameworks, facts) | {"actions": actions}
    async with _ONE_AT_A_TIME:
        pdf = await asyncio.to_thread(render, shown, desk)
    name = f"{one['assessment_id']}.pdf"
    return Response(pdf, media_type="application/pdf",
                    headers={"Content-Disposition": f'attachment; filename="{name}"'})  # fmt: skip

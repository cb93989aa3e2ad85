"""What happens to a report, before filing one: `/t/{tenant}/procedure`, linked from the form.

Said per tenant (its own time frames, read on its stream) in the worker's language: the
steps and when each is due, what can come of it, how anonymity works and who sees what.
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from redress.intake.context import IntakeContext
from redress.intake.filing import masthead
from redress.intake.texts import OUTCOMES, STATUS
from redress.intake.web_common import WorkerRoute, language, page
from redress.kit.deps import Pool
from redress.tenancy.handlers import read_tenant

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)


@router.get("/t/{tenant}/procedure")
async def procedure(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    lang = language(request, lang)
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)  # 404 for an unknown initiative
        frames = (await read_tenant(conn, tenant)).time_frames
    _ = intake.pages.gettext(lang)
    outcomes = [_(label) for label in (*OUTCOMES.values(), STATUS["rejected"])]
    return page(
        request, intake, "procedure.html", lang, name, frames=frames, outcomes=outcomes,
        report_url=f"/t/{tenant}/report?lang={lang}",
    )  # fmt: skip

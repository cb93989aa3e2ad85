"""A card to hand a worker: `/t/{tenant}/card`, printed by auditors and the initiative.

Auditors hand workers cards, in the worker's language, with the number to call (DOMAIN's
callback programme): the initiative's hotline, the address of the report form, and that no
name is needed. One card a page, in any of the tenant's languages, printed as it is shown
(the page's header and footer are left off paper).
"""

from __future__ import annotations

from fastapi import APIRouter, Request
from starlette.responses import HTMLResponse

from redress.intake.context import IntakeContext
from redress.intake.filing import masthead
from redress.intake.web_common import WorkerRoute, language, page
from redress.kit.deps import Pool

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)


@router.get("/t/{tenant}/card")
async def card(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    lang = language(request, lang)
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)  # 404 for an unknown initiative
    # In the card's language: a phone that asks for none would open the form in English.
    address = f"{request.base_url}t/{tenant}/report?lang={lang}"
    return page(request, intake, "card.html", lang, name, address=address)

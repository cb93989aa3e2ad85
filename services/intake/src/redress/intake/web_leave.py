""" "Leave quickly": `/t/{tenant}/leave` ends what this phone holds of a report, then leaves.

A phone may be picked up by the person the worker reports. Leaving only for a neutral site
left the report open behind it: Back showed the status page again, its session still valid
for half an hour. This address first forgets the session, the unsent texts and the receipt
this browser held for the initiative, and asks the browser to drop what it cached of its
pages, then sends it to the neutral site: Back finds the page asking for the receipt.
"""

from __future__ import annotations

import re

from fastapi import APIRouter, Request
from starlette.responses import RedirectResponse

from redress.intake import reply_drafts, sealed, web_receipt
from redress.intake.pages import NEUTRAL_SITE
from redress.intake.replies import TENANT_PATTERN
from redress.intake.web_common import SESSION, WorkerRoute

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)


@router.get("/t/{tenant}/leave")
async def leave(request: Request, tenant: str) -> RedirectResponse:
    """Forget this browser's hold on the initiative's reports, and go to the neutral site.

    Nothing is read or written on the server, so that leaving works whatever its state, for
    any initiative's address, and tells nobody whether a report was open."""
    response = RedirectResponse(NEUTRAL_SITE, status_code=303)
    if not re.match(TENANT_PATTERN, tenant):  # no initiative's: nothing of it to forget
        return response
    for name, path in ((SESSION, f"/t/{tenant}/"), (reply_drafts.COOKIE, f"/t/{tenant}/status"),
                       (web_receipt.COOKIE, f"/t/{tenant}/receipt")):  # fmt: skip
        sealed.clear(request, response, name, path)
    # Pages kept for Back (no worker page is cached, but a browser may keep one in memory).
    response.headers["Clear-Site-Data"] = '"cache"'
    return response

"""The hotline desk: intake's console for operators on the phone with a worker.

An operator logs in as every console does (a bearer token in an HttpOnly, SameSite=Strict
cookie scoped to /desk; a CSRF token in every form; refusals as pages; no script). The
worker reads their receipt out; once it opens their report, the call is kept in a cookie of
its own, sealed under a key derived for it, naming the report and the operator, never the
secret: the worker is not asked for it again at each answer, and a browser left open does
not keep the report open for long (15 minutes since the operator's last step). Wrong
receipts are throttled per operator exactly as the API's (`by_receipt.opened`).

The call's page and forms are in `desk_call`; filing for a worker in `desk_filing`; a lost
receipt in `desk_reissue`.
"""

from __future__ import annotations

import math
from pathlib import Path
from typing import Annotated, Any

from fastapi import Depends, Request
from pydantic import ValidationError
from starlette.exceptions import HTTPException
from starlette.responses import RedirectResponse, Response

from redress.intake import sealed, web_common
from redress.intake.by_receipt import ByReceipt, opened
from redress.intake.context import Intake, IntakeContext
from redress.intake.filing import tenant_name
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.deps import Pool
from redress.kit.errors import Problem

PATH = "/desk"
CALL = "desk_call"
CALL_SECONDS = 15 * 60
_CALL_PURPOSE = "operator-call"


def nav(p: Principal) -> list[tuple[str, str]]:
    links = [(PATH, "A worker on the line")]
    if allowed(p.roles, Action.grievance_file_for_worker):
        links.append((f"{PATH}/file", "File a report"))
    if allowed(p.roles, Action.receipt_reissue):
        links.append((f"{PATH}/reissue", "A lost receipt"))
    return links


CONSOLE = console.Console(
    path=PATH,
    title="hotline desk",
    nav=nav,
    back="Back to the desk",
    admits=lambda p: allowed(p.roles, Action.grievance_assist),
    refused="That token may not use the hotline desk: it is for the MSI's hotline operators.",
    forbidden="the hotline desk is for the hotline operators of an MSI",
    csrf_key=console.csrf_key_in("intake"),
    session_cookies=(CALL,),  # the call ends with the operator's session
    templates=Path(__file__).parent / "desk_templates",
)
router = CONSOLE.router()  # with the console's login and logout
Assisting = Annotated[Principal, Depends(CONSOLE.signed_in(Action.grievance_assist))]

# What the desk's pages say an operator's last step recorded (`?done=`).
NOTICES = {
    "opened": "The report is open: read it back to the worker.",
    "reply": "The worker's message was recorded; their grievance officer will read it.",
    "satisfaction": "The worker's score was recorded.",
    "given": "Recorded: the worker agrees. The referral goes on to the support service.",
    "declined": "Recorded: the worker does not agree. Nothing is shared.",
    "revoked": "Recorded: the worker withdrew their agreement. Nothing more is shared.",
    "withdrawal": "The report is withdrawn: the case ends. Support services the worker agreed to "
    "keep their case until they withdraw each agreement.",
    "erasure": "The worker's personal data was erased.",
    "ended": "The call ended: the report is closed on this screen.",
    "no-call": "No call is open, or it was left for more than 15 minutes: open the worker's "
    "receipt again.",
}


# -- the call kept between forms ----------------------------------------------------------------


def call_of(request: Request, intake: Intake, p: Principal) -> str | None:
    """The report this operator's call holds open, if the call still holds."""
    held = sealed.unseal(intake.call_key, _CALL_PURPOSE, request.cookies.get(CALL))
    if not held or held.get("t") != p.tenant or held.get("sub") != p.sub:
        return None
    return str(held["g"])


def keep_call(
    request: Request, response: Response, intake: Intake, p: Principal, grievance_id: str
) -> Response:
    """Keep the call open for another 15 minutes: the report and the operator, no secret."""
    value = {"g": grievance_id, "t": p.tenant, "sub": p.sub}
    token = sealed.seal(intake.call_key, _CALL_PURPOSE, value, CALL_SECONDS)
    sealed.set_sealed(request, response, CALL, token, CALL_SECONDS, PATH)
    return response


def end_call(request: Request, response: Response) -> Response:
    sealed.clear(request, response, CALL, PATH)
    return response


# -- opening a receipt --------------------------------------------------------------------------


def home(request: Request, p: Principal, status: int = 200, **context: Any) -> Response:
    """The desk's first page: the receipt form, with a refusal's reason where there is one."""
    done = request.query_params.get("done")
    defaults: dict[str, Any] = {"error": None, "fields": {}, "reference": "",
                                "notice": NOTICES.get(done or "")}  # fmt: skip
    return CONSOLE.page(request, "desk.html", status, principal=p, **(defaults | context))


@router.get("")
async def desk(request: Request, p: Assisting) -> Response:
    return home(request, p)


@router.post("/call")
async def open_call(request: Request, p: Assisting, pool: Pool, intake: IntakeContext) -> Response:
    """Open the report whose receipt the worker reads out, and keep the call."""
    form = await CONSOLE.form(request, once=False)  # a wrong receipt is typed again
    # The secret is never shown again: a refused form keeps the reference only.
    typed = {"reference": console.field(form, "reference") or ""}
    try:
        receipt = ByReceipt.model_validate(
            {"reference": typed["reference"], "secret": console.field(form, "secret") or ""}
        )
        async with pool.acquire() as conn:
            await tenant_name(conn, p.tenant)
            grievance_id = await opened(conn, intake, p, receipt)
    except ValidationError as exc:
        wrong = console.fields_of(exc, ("reference", "secret"))
        return home(request, p, 422, error="; ".join(wrong.values()), fields=wrong, **typed)
    except Problem as exc:
        if exc.status == 429:
            wait = int((exc.headers or {}).get("Retry-After", "60"))
            said = f"Too many wrong receipts: wait {duration(wait)} before trying again."
            page = home(request, p, 429, error=said, **typed)
            page.headers.update(exc.headers or {})
            return page
        if exc.status != 404 or exc.kind != "wrong-receipt":
            raise
        said = "No report has that reference and secret number: check them with the worker."
        return home(request, p, 404, error=said, fields={"secret": said}, **typed)
    answer = RedirectResponse(f"{PATH}/call?done=opened", status_code=303)
    return keep_call(request, answer, intake, p, grievance_id)


def duration(seconds: int) -> str:
    """A wait as an operator reads it."""
    if seconds < 60:
        return f"{seconds} second{'s' if seconds != 1 else ''}"
    minutes = math.ceil(seconds / 60)
    return f"{minutes} minute{'s' if minutes != 1 else ''}"


async def missed_address(request: Request, exc: HTTPException) -> Response:
    """An address of the desk the router does not know (a form's address opened as a page,
    a mistyped link): the desk's page saying so, never problem+json; elsewhere, as the
    worker pages answer it."""
    path = request.url.path
    if path != PATH and not path.startswith(f"{PATH}/"):
        return await web_common.missed_address(request, exc)
    if exc.status_code == 405 and request.method == "GET":  # a form's address: its page
        return RedirectResponse(PATH, status_code=303)
    if exc.status_code == 404:
        return CONSOLE.problem_page(Problem(404, "not-found", "no such page of the desk"))
    return CONSOLE.problem_page(Problem(exc.status_code, "refused", str(exc.detail).lower()))


@router.post("/call/end")
async def end(request: Request, p: Assisting) -> Response:
    """The operator hangs up: the desk forgets the report."""
    await CONSOLE.form(request, once=False)
    return end_call(request, RedirectResponse(f"{PATH}?done=ended", status_code=303))

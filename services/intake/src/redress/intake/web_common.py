"""What the worker pages share: language, CSRF, the anonymous actor, state loading, the
receipt's session, a form's action on the grievance, and errors answered as a page in the
worker's language rather than as problem+json. A page's rendering is `web_page`'s, the
refusals' pages `web_refusals`'s, what the worker typed, kept and checked, `web_typed`'s:
all named here as the pages have always named them."""

from __future__ import annotations

from urllib.parse import quote, urlencode

import jwt
from fastapi import Request
from starlette.responses import HTMLResponse, RedirectResponse

from redress.events.application import Decide, Within, execute
from redress.events.envelope import Actor, Metadata
from redress.events.projection import Projection, wait_for_version
from redress.events.store import EventStore
from redress.intake import sealed
from redress.intake.context import Intake
from redress.intake.domain import Grievance, fold
from redress.intake.filing import Masthead, grievance_stream, masthead
from redress.intake.texts import PAGE_EXPIRED_REPLY, SESSION_ENDED
from redress.intake.web_page import csrf_valid, language, page
from redress.intake.web_refusals import (
    WORKER_PAGE,
    ShowInstead,
    WorkerRoute,
    missed_address,
    page_language,
    problem_page,
    refused_before_routing,
)
from redress.intake.web_typed import (
    NOTHING_UNSENT,
    TICKED_LIMIT,
    TYPED_LIMIT,
    TYPED_PARSED,
    Beside,
    Said,
    Unsent,
    said,
    typed,
)
from redress.kit.deps import Pool
from redress.kit.errors import Problem

__all__ = [
    "NOTHING_UNSENT", "SAID", "SESSION", "TICKED_LIMIT", "TYPED_LIMIT", "TYPED_PARSED", "WORKER",
    "WORKER_PAGE", "Beside", "Said", "ShowInstead", "Unsent", "WorkerRoute", "csrf_valid",
    "for_another", "form_origin", "language", "load", "login", "missed_address", "named", "page",
    "page_language", "problem_page", "record_worker_action", "refused_before_routing", "said",
    "session", "typed", "worker_metadata", "worker_session", "written_for"
]  # fmt: skip

WORKER = Actor(id="worker", role="worker")


def worker_metadata(tenant: str) -> Metadata:
    # The worker is anonymous: no id, no address, nothing but the role.
    return Metadata(tenant=tenant, actor=WORKER)


async def load(store: EventStore, stream: str) -> tuple[Grievance, int]:
    events = await store.read_stream(stream)
    return fold([e.data for e in events]), len(events)


# The cookie carrying the grievance the worker opened with their receipt (`web_opening`).
SESSION = "receipt_session"


def session(request: Request, intake: Intake, tenant: str) -> str | None:
    """The grievance the worker opened with their receipt, if the session still holds."""
    token = request.cookies.get(SESSION)
    if not token:
        return None
    try:
        claims = jwt.decode(token, intake.session_key, algorithms=["HS256"])
    except jwt.PyJWTError:
        return None
    return str(claims["g"]) if claims.get("t") == tenant else None


# A status page's forms say, sealed, which report they act on (`origin`): the session is the
# browser's, and a tab left on one report must not act on another opened since in another
# (a second worker's, on a shared phone). Sealed for good: an old page names its report.
_ORIGIN = "origin"
_ORIGIN_SECONDS = 100 * 365 * 24 * 3600


def form_origin(intake: Intake, grievance_id: str) -> str:
    """For a status page's forms: the grievance they act on."""
    return sealed.seal(intake.receipt_key, _ORIGIN, {"g": grievance_id}, _ORIGIN_SECONDS)


def written_for(intake: Intake, sent: str | None) -> str | None:
    """The grievance a form names, or None if it names none readably."""
    opened = sealed.unseal(intake.receipt_key, _ORIGIN, sent)
    found = opened.get("g") if opened else None
    return found if isinstance(found, str) else None


def for_another(intake: Intake, sent: str | None, grievance_id: str) -> bool:
    """Whether a form names another report than the session's. A form without a readable
    origin (a page served before forms had one) acts on the session's; what it carries is
    put back in no report's box (`reply_drafts.carry`)."""
    written = written_for(intake, sent)
    return written is not None and written != grievance_id


def named(in_form: str | None, in_address: str | None, what: str) -> str | None:
    """What a status page's button names (a plan's action, a referral, an organisation): in
    its own form's hidden field, or in the address it sends to (a button of the reply's form,
    which holds no such field); given both ways, the same."""
    if in_form is not None and in_address is not None and in_form != in_address:
        raise Problem(422, "validation", f"the form and its address name different {what}s")
    return in_form if in_form is not None else in_address


# Why the page asking for the receipt holds a text the worker typed: said again when the
# page is asked for in another language (`switch_to`), as an attempt's refusal is not.
SAID = {"session-ended": SESSION_ENDED, "page-expired": PAGE_EXPIRED_REPLY}


def login(
    request: Request, intake: Intake, tenant: str, name: Masthead, lang: str, chosen: str | None,
    error: str | None = None, status: int = 200, *, unsent: Unsent = NOTHING_UNSENT,
    headers: dict[str, str] | None = None, reference: str | None = None,
) -> HTMLResponse:  # fmt: skip
    """The page asking for the receipt, keeping what the worker typed before the session
    ended (a reply's retaliation box ticked as it was), and the reference they typed (never
    the secret)."""
    _ = intake.pages.gettext(lang)
    said = next((code for code, text in SAID.items() if text == error), None)
    return page(
        request, intake, "status_login.html", lang, name, status=status, headers=headers,
        error=_(error) if error else None, action=f"/t/{tenant}/status/open", chosen=chosen,
        said=said, report_url=f"/t/{tenant}/report?lang={lang}", reference=reference,
        **unsent.context,
    )  # fmt: skip


async def worker_session(
    request: Request, intake: Intake, pool: Pool, tenant: str, lang: str | None, csrf_token: str,
    unsent: Unsent = NOTHING_UNSENT,
) -> str:  # fmt: skip
    """The grievance a worker's form acts on.

    A form sent after the session ended does nothing: the page asking for the receipt is
    shown instead (`ShowInstead`), with what the worker typed. One sent from an expired page
    is refused.
    """
    grievance_id = session(request, intake, tenant)
    if grievance_id is None:  # nothing is done: the worker opens the report again
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        lang = language(request, lang)
        raise ShowInstead(
            login(request, intake, tenant, name, lang, lang, SESSION_ENDED, 401, unsent=unsent)
        )
    if not csrf_valid(request, intake, csrf_token):
        raise Problem(403, "csrf", "the page expired")
    if for_another(intake, unsent.origin, grievance_id):  # the page asks for its receipt
        async with pool.acquire() as conn:
            name = await masthead(conn, tenant)
        lang = language(request, lang)
        raise ShowInstead(
            login(request, intake, tenant, name, lang, lang, SESSION_ENDED, 403, unsent=unsent)
        )
    return grievance_id


async def record_worker_action(
    store: EventStore, pool: Pool, projection: Projection, tenant: str, grievance_id: str,
    decide: Decide, *, notice: str | None, lang: str | None, transaction: Within | None = None,
    place: str = "",
) -> RedirectResponse:  # fmt: skip
    """Append what the worker's form decided on their grievance, as the anonymous worker, and
    show the status page again once it reads what was written: with `notice` at its top, or
    at the `place` (an element's id) that now says what was done, so that it is said once.

    The status page speaks `lang` when given, else the grievance's own language.
    """
    stream = grievance_stream(grievance_id)
    done = await execute(store, stream, decide, worker_metadata(tenant), transaction=transaction)
    await wait_for_version(pool, projection, stream, done.version)
    query = urlencode([(k, v) for k, v in (("lang", lang), ("done", notice)) if v])
    fragment = f"#{quote(place, safe='')}" if place else ""
    return RedirectResponse(f"/t/{tenant}/status?{query}{fragment}", status_code=303)

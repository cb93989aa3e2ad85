"""Following a grievance with its receipt: the status page, `/t/{tenant}/status`.

Opened with the receipt (`web_opening`), it shows the report for the session's half hour,
with what the worker typed and could not send yet back in its box. A language chosen before
opening is kept.
"""

from __future__ import annotations

import json
from typing import Any

from babel.dates import format_date
from fastapi import APIRouter, Request
from markupsafe import Markup
from starlette.responses import HTMLResponse

from redress.events.catalogue.grievance import Sealed
from redress.events.projection import wait_for_version
from redress.events.store import Conn, stream_version_on
from redress.intake import reply_drafts, single_use
from redress.intake.consent_answers import Held, given
from redress.intake.context import Intake, IntakeContext
from redress.intake.filing import Masthead, grievance_stream, masthead
from redress.intake.projections import Grievances
from redress.intake.referral_requests import requests
from redress.intake.representations import shown as representatives_shown
from redress.intake.texts import (
    CONSENT_GIVEN,
    CONTACT_OFF,
    CONTACT_ON,
    DELIVERED,
    ERASED,
    GROUNDS,
    OUTCOMES,
    OWNERS,
    PARTNER_KINDS,
    PLAN_ANSWERS,
    REPLY_SENT,
    REPRESENTED,
    RETALIATION_REPORTED,
    REVIEW_ASKED,
    REVIEW_RESULTS,
    SCALE,
    SESSION_ENDED,
    STATUS,
    THANKS,
    WITHDRAWN,
    status_key,
)
from redress.intake.web_common import (
    NOTHING_UNSENT,
    Said,
    Unsent,
    WorkerRoute,
    form_origin,
    language,
    login,
    page,
    said,
    session,
)
from redress.kit.deps import Pool
from redress.kit.i18n import LANGUAGES, moment
from redress.kit.outage import unavailable_problem

router = APIRouter(include_in_schema=False, route_class=WorkerRoute)
_OF_REPLY = Markup(' form="reply-form"')

PROJECTION = Grievances()


def chosen_language(lang: str | None) -> str | None:
    """A language the worker picked (a link or `?lang=`), as opposed to the browser's."""
    return lang if lang in LANGUAGES else None


@router.get("/t/{tenant}/status")
async def status_page(
    request: Request, tenant: str, intake: IntakeContext, pool: Pool, lang: str | None = None
) -> HTMLResponse:
    grievance_id = session(request, intake, tenant)
    if grievance_id is not None:
        # Just filed: give the projection a moment to catch up with the log.
        await wait_for_version(pool, PROJECTION, grievance_stream(grievance_id), 1)
    async with pool.acquire() as conn:
        name = await masthead(conn, tenant)
        if grievance_id is None:
            return login(
                request, intake, tenant, name, language(request, lang), chosen_language(lang)
            )
        unsent = await reply_drafts.carried(conn, intake, request, tenant,
                                            grievance_id)  # fmt: skip
        response = await status(request, intake, conn, tenant, name, grievance_id, lang,
                                unsent=unsent)  # fmt: skip
    reply_drafts.forget(request, response, tenant)
    return response


async def status(
    request: Request, intake: Intake, conn: Conn, tenant: str, name: Masthead, grievance_id: str,
    lang: str | None, *, error: str | Said | None = None, status_code: int = 200,
    unsent: Unsent = NOTHING_UNSENT,
) -> HTMLResponse:  # fmt: skip
    """The status page; the referral's boxes the worker ticked on the page it came from
    (`unsent.ticked`, "referral/partner/field") are ticked again (a box not on this page is
    nothing)."""
    g = await conn.fetchrow(
        "SELECT * FROM intake.grievances WHERE grievance_id = $1 AND tenant = $2",
        grievance_id,
        tenant,
    )
    if g is None:
        if await stream_version_on(conn, grievance_stream(grievance_id)):
            # In the log, not in this page's view of it yet (delivery is behind, or down):
            # the receipt is good, and asking for it again would tell the worker it is not.
            raise unavailable_problem("the report is recorded and cannot be shown yet")
        lang = language(request, lang)
        return login(request, intake, tenant, name, lang, chosen_language(lang), SESSION_ENDED)
    lang = language(request, lang) if lang else g["language"]
    _ = intake.pages.gettext(lang)
    thread = []
    for row in await conn.fetch(
        "SELECT author, sealed, time FROM intake.thread WHERE grievance_id = $1 ORDER BY position",
        grievance_id,
    ):
        text = await intake.keyring.open(conn, Sealed.model_validate(json.loads(row["sealed"])))
        if text is not None:
            when = moment(row["time"], lang, name.time_zone)
            thread.append({"author": row["author"], "text": text.decode(), "time": when})
    where = status_key(g)
    notice = request.query_params.get("done")
    # What the page says in its place anyway (a plan's answer, a review asked for, a consent
    # refused) has no notice: the worker is taken to that place, and reads it once.
    notices = {"sent": REPLY_SENT, "retaliation": RETALIATION_REPORTED, "withdrawn": WITHDRAWN,
               "represented": REPRESENTED[True], "not_represented": REPRESENTED[False],
               "erased": ERASED, "thanks": THANKS, "consent_given": CONSENT_GIVEN,
               "contact_on": CONTACT_ON, "contact_off": CONTACT_OFF}  # fmt: skip
    rejected = where == "rejected"
    # What the report holds, opened once: contact is offered, and a partner asked for, only
    # where it is there.
    held = await given(conn, intake.keyring, grievance_id)
    context: dict[str, Any] = {
        "g": g,
        "status_label": _(STATUS.get(where, STATUS["received"])),
        # A report that ended (withdrawn, rejected, erased) waits for nothing any more.
        "due": format_date(g["stage_due"], "long", locale=lang)
        if g["stage_due"] and where not in ENDED
        else None,
        "thread": thread,
        "outcome_label": _(outcome) if (outcome := OUTCOMES.get(g["outcome"])) else None,
        "scale": [(n, _(SCALE[n])) for n in range(5, 0, -1)],
        "notice": _(notices[notice]) if notice in notices else None,
        "error": said(intake, lang, error),
        **unsent.context,  # in their boxes: the reply's, and the plan's apart from it
        # Allowing contact is offered only to a report that gave a way to be contacted.
        "reachable": "contact" in held,
        "origin": form_origin(intake, grievance_id),
        # The reply's form is used once: a reply sent twice (a double tap) is posted once.
        "form_id": single_use.issue(intake.form_key),
        # While the page takes a reply, every other form's buttons send the reply's form (to
        # their own address): what is written in it is kept for the page that follows.
        "of_reply": _OF_REPLY if g["status"] not in ("withdrawn", "erased") else "",
        "action": f"/t/{tenant}/status?lang={lang}",
        "switch_action": f"/t/{tenant}/status",  # the language buttons add their own
        "referrals": await _requests(conn, tenant, grievance_id, _, held),
        "ticked": unsent.ticked,
        "referral_action": f"/t/{tenant}/status/referral?lang={lang}",
        "status": status_code,
        # Withdrawn, as ended on the worker's word: nothing more is done, nobody contacts them.
        "ended": where in ("ended", "withdrawn"),
        "grounds": _(grounds) if rejected and (grounds := GROUNDS.get(g["grounds"])) else None,
        "elsewhere": await _elsewhere(conn, tenant, g["country"], _) if rejected else None,
        "reviewable": reviewable(g),
        "plan": await _plan(conn, grievance_id, lang, _),
        "plan_action": f"/t/{tenant}/status/plan?lang={lang}",
        "plan_answer": _(answered) if (answered := PLAN_ANSWERS.get(g["plan_answer"])) else None,
        "review_asked": _(REVIEW_ASKED) if g["review"] == "requested" else None,
        "review_result": _(label) if (label := REVIEW_RESULTS.get(g["review"])) else None,
        "representation": await representatives_shown(conn, grievance_id),
        "representation_action": f"/t/{tenant}/status/representation?lang={lang}",
    }
    return page(request, intake, "status.html", lang, name, **context)


def reviewable(g: Any) -> bool:
    """A decision the worker may ask to have reviewed: a rejection (not their own withdrawal)
    or an outcome, not reviewed yet, on a report still theirs to follow."""
    decided = g["outcome"] is not None or g["grounds"] not in (None, "withdrawn_by_worker")
    return decided and g["review"] is None and g["status"] == "open"


ENDED = frozenset({"erased", "ended", "withdrawn", "rejected"})


async def _plan(conn: Conn, grievance_id: str, lang: str, _: Any) -> list[dict[str, Any]]:
    """The case's plan actions: who does each (by kind), by when, how far, and what the
    worker said of whether it reached them."""
    rows = await conn.fetch(
        "SELECT * FROM intake.plan_actions WHERE grievance_id = $1 ORDER BY due_on, action_id",
        grievance_id,
    )
    return [
        {"id": r["action_id"], "description": r["description"], "progress": r["progress"],
         "owner": _(OWNERS.get(r["owner"], OWNERS["msi"])), "done": r["done"],
         "waived": r["waived"],
         "due": format_date(r["due_on"], "long", locale=lang),
         "delivered": _(said) if (said := DELIVERED.get(r["delivered"])) else None}
        for r in rows
    ]  # fmt: skip


ELSEWHERE_SHOWN = 10


async def _elsewhere(conn: Conn, tenant: str, country: str | None, _: Any) -> list[dict[str, str]]:
    """The tenant's partners that work in the worker's country (all, when it is not known)."""
    rows = await conn.fetch(
        """SELECT name, kind, contact FROM intake.partners
           WHERE tenant = $1 AND NOT retired AND ($2::text IS NULL OR $2 = ANY (countries))
           ORDER BY name LIMIT $3""",
        tenant, country, ELSEWHERE_SHOWN,
    )  # fmt: skip
    return [
        {"name": r["name"], "kind": _(PARTNER_KINDS.get(r["kind"], PARTNER_KINDS["ngo"])),
         "contact": r["contact"]}
        for r in rows
    ]  # fmt: skip


async def _requests(
    conn: Conn, tenant: str, grievance_id: str, _: Any, held: Held
) -> list[dict[str, Any]]:
    """The referrals' consent requests, each offering only what the report `held`."""
    asked = await requests(conn, tenant, grievance_id, _, named=held.named)
    for partner in asked:
        partner["fields"] = [(f, label) for f, label in partner["fields"] if f in held]
    return asked

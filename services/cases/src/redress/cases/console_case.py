"""The officer console's case page: what an officer reads of a case, with every form that acts
on it, the reading recorded; after a form, it waits (bounded) for the views to show the write.
Shown by its route in `console` and after a refused form by `console_forms`.
"""

from __future__ import annotations

import asyncio
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from fastapi import Request
from starlette.responses import HTMLResponse

from redress.cases import alerts, appeals, attachments, evidence_views, reads, remedies_views
from redress.cases import domain as d
from redress.cases import handlers as h
from redress.cases import queries as q
from redress.cases.console_render import actions_named, page
from redress.cases.context import Desk
from redress.cases.projections import CaseViews
from redress.events.catalogue.case import CaseTriaged, ReferralRecommended
from redress.events.catalogue.case_verification import FindingSource, ResponseLevel, Substantiation
from redress.events.catalogue.grievance import Category
from redress.events.catalogue.indicators import BY_CODE
from redress.events.envelope import Event
from redress.events.projection import wait_for_version
from redress.kit import console
from redress.kit.auth import Principal
from redress.kit.authz import Action, allowed
from redress.kit.caching import page_headers
from redress.kit.deps import Pool
from redress.kit.errors import Problem
from redress.kit.i18n import LANGUAGES

READ_BACK_SECONDS = 5.0
VIEWS = CaseViews()

# Stages an officer moves a case on from, by hand, to the stage after it.
ADVANCING = (d.Stage.verification, d.Stage.response, d.Stage.remediation_plan)


def escalated_by(events: list[Event]) -> tuple[str, ...]:
    """What made the last triage record the case as critical, whatever severity was chosen:
    the officer is told at once, not left to find a severity they did not pick."""
    reasons: tuple[str, ...] = ()
    for event in events:
        match event.data:
            case CaseTriaged():
                reasons = ()
            case ReferralRecommended(reasons=given):
                reasons = tuple(given)
    return reasons


def _indicators(row: Any) -> list[dict[str, Any]]:
    """Every known indicator, the category's suggestions first and (before triage) ticked."""
    suggested = d.SUGGESTED.get(row["category"], ())
    triaged = row["severity"] is not None
    current = set(row["indicators"] or ())
    ordered = [*suggested, *sorted(d.KNOWN_INDICATORS - set(suggested))]
    return [
        {
            "code": code,
            "suggested": code in suggested,
            "checked": code in current if triaged else code in suggested,
            "benchmark": BY_CODE[code].benchmark,
            "ilo": BY_CODE[code].ilo,
            "weight": BY_CODE[code].weight,
            "meaning": BY_CODE[code].meaning,
        }
        for code in ordered
    ]


def _referral_url(request: Request, case_id: str) -> str | None:
    """The case's referral in the referral service's console, linked by URL only."""
    base = console.peer_url(request, "referral")
    return f"{base}/console/cases/{case_id}" if base else None


async def _caught_up(pool: Pool, events: list[Event], case_id: str, version: int) -> bool:
    """Wait (bounded) for both read models the page reads to show the case at `version`."""
    return all(await asyncio.gather(
        wait_for_version(pool, VIEWS, case_id, version, timeout=READ_BACK_SECONDS),
        remedies_views.shows(pool, events, case_id, version, READ_BACK_SECONDS),
    ))  # fmt: skip


async def case_page(
    request: Request,
    p: Principal,
    desk: Desk,
    case_id: str,
    *,
    done: str | None = None,
    error: str | None = None,
    failed: str | None = None,
    typed: Mapping[str, str] | None = None,
    status: int = 200,
    min_version: int | None = None,
) -> HTMLResponse:
    """The case page; after a refused form, with the reason and what the officer typed in it."""
    store, pool, cases = desk.store, desk.pool, desk.cases
    # Authorised on the log before waiting: another tenant's case is 404 at once. The log
    # also says whether the worker asked for a review, and who took the decision.
    events = await h.case_events(store, p, case_id)
    review = appeals.review_of(events)
    stale = bool(min_version) and not await _caught_up(pool, events, case_id, min_version or 0)
    async with pool.acquire() as conn:
        today, frames = await cases.calendar_in(conn, p.tenant)
        row = await q.case_row(conn, p.tenant, case_id)
        if row is None:
            raise Problem(404, "not-found", h.NOT_FOUND)
        actions = await q.actions(conn, case_id, today)
        contact = q.may_contact(row)
        grievance = await q.personal(conn, cases.keyring, row["grievance_id"], contact=contact)
        thread = await q.thread(conn, cases.keyring, case_id)
        timeline = await q.timeline(conn, case_id)
        lessons = await q.lessons(conn, case_id)
        recent_reads = await q.recent_reads(conn, case_id, reads.READS_LOOKED_AT)
        findings = await evidence_views.findings(conn, cases.keyring, case_id)
        steps = await q.determinations(conn, case_id)
        alert = await alerts.of_case(conn, case_id)
        files = await attachments.listed(conn, case_id)
        delivered = await remedies_views.delivered(conn, case_id)
        since = await conn.fetchval(
            "SELECT since FROM cases.filings WHERE grievance_id = $1", row["grievance_id"]
        )
    shown = reads.fields_shown(grievance, thread, findings)
    await reads.record(store, p, case_id, row["grievance_id"], shown, "console")
    if shown:  # this very reading, which the read model holds only once it has caught up
        now = {"reader": p.sub, "role": p.acting_as, "fields": list(shown),
               "channel": "console", "time": datetime.now(UTC)}  # fmt: skip
        recent_reads = [now, *recent_reads]
    stage = d.Stage(row["stage"])
    is_open = row["status"] == d.Status.open
    late = is_open and (
        row["deadline_missed"] or (row["stage_due"] is not None and row["stage_due"] < today)
    )
    context: dict[str, Any] = {
        "principal": p,
        "case": row,
        "grievance": grievance,
        "since": since,
        "thread": thread,
        "timeline": actions_named(timeline, actions),
        "zone": frames.time_zone,
        "erased": any(e["type"] == "PersonalDataErased" for e in timeline),
        "actions": actions,
        "lessons": lessons,
        "findings": findings,
        "verification": steps.get("verification"),
        "response": steps.get("response"),
        "reads": reads.runs(recent_reads),
        "reads_cut": len(recent_reads) >= reads.READS_LOOKED_AT,  # older ones not looked at
        "stage_overdue": late,
        "next_stage": d.ORDER[d.ORDER.index(stage) + 1] if stage in ADVANCING else None,
        "indicators": _indicators(row),
        "severities": list(d.Severity),
        "grounds": [g for g in d.Grounds if g is not d.Grounds.withdrawn_by_worker],
        "remedies": list(d.Remedy),
        "owners": list(d.Owner),
        "outcomes": list(d.Outcome),
        "finding_sources": list(FindingSource),
        "decisions": list(Substantiation),
        "levels": list(ResponseLevel),
        "categories": list(Category),
        "languages": LANGUAGES,
        "can_manage": allowed(p.roles, Action.case_manage),
        "can_plan": allowed(p.roles, Action.plan_action_update),
        "is_open": is_open,
        "contact_consented": contact,
        "withdrawn": row["withdrawn"] or row["grounds"] == d.Grounds.withdrawn_by_worker,
        "done": done,
        "escalated_by": escalated_by(events) if done == "triage" else (),
        "error": error,
        "failed": failed,
        "kept": lambda form, field: (typed or {}).get(field, "") if form == failed else "",
        "stale": stale,
        "today": today,
        "referral_url": _referral_url(request, case_id),
        "alert": alert,
        "review": review,
        "attachments": files,
        "delivered": delivered,
        "waived_ids": {w["action_id"] for w in delivered["waived"]},
    }
    answer = page(request, cases, "case.html", status, **context)
    if files:
        # The previews and players load the files from this console (each a recorded read).
        answer.headers.update(page_headers(images=True, media=True))
    return answer
